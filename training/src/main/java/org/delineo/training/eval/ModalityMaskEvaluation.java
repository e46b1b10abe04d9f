package org.delineo.training.eval;

import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.Tensors;
import org.delineo.proto.ExperimentConfig;
import org.delineo.serving.SlidingWindow;
import org.delineo.training.config.ConfigException;
import org.delineo.training.data.Sample;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.brats.ModalityMasks;
import org.delineo.training.metrics.BratsCaseScores;
import org.delineo.training.metrics.BratsRegions;
import org.delineo.training.metrics.ConfusionMatrix;
import org.delineo.training.metrics.EmptyMaskRule;
import org.delineo.training.metrics.ModalityMaskTable;
import org.delineo.training.metrics.VoxelGrid;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * The incomplete-modality BraTS protocol (reference-methods.md §4.12): every case of a split is
 * predicted under each of the 15 modality masks with uniform sliding-window averaging of softmax
 * probabilities (or logits, {@code eval.slide_average}) over the whole preprocessed volume, and scored with Dice and HD95 of WT, TC, ET and
 * ETPro (1 mm spacing, as the reference) under an empty-mask rule; the table has one row per mask
 * and their average.
 */
public final class ModalityMaskEvaluation {
  /** Windows per {@code Session.run}. */
  private static final int WINDOWS_PER_RUN = 2;

  private final InferenceGraph graph;
  private final Operand<TFloat32> windowOutput;
  private final SlidingWindow window;
  private final int classes;
  private final EmptyMaskRule rule;

  /**
   * As {@link #ModalityMaskEvaluation(InferenceGraph, Operand, SlidingWindow, int, EmptyMaskRule)}
   * averaging softmax probabilities, the reference protocol.
   *
   * @param graph an inference graph of a model that takes modality masks (adds a softmax to it)
   * @param window the sliding window (80³ with stride 40 in the reference); {@link SlidingWindow.Fit#PAD}
   *     for a model with a fixed input size such as PRISM, so volumes smaller than the window still
   *     get windows of that size
   * @param rule how empty regions are scored
   */
  public ModalityMaskEvaluation(Ops tf, InferenceGraph graph, SlidingWindow window, int classes,
      EmptyMaskRule rule) {
    this(graph, tf.nn.softmax(graph.logits()), window, classes, rule);
  }

  /**
   * @param graph an inference graph of a model that takes modality masks
   * @param windowOutput what the windows average, computed from {@code graph}'s logits
   *     ({@link org.delineo.training.eval.Evaluator#slideOutput})
   * @param window the sliding window
   * @param rule how empty regions are scored
   */
  public ModalityMaskEvaluation(InferenceGraph graph, Operand<TFloat32> windowOutput, SlidingWindow window,
      int classes, EmptyMaskRule rule) {
    if (graph.modalityMask() == null) {
      throw new DelineoException("modality-mask evaluation needs a model that takes modality masks");
    }
    this.graph = graph;
    this.windowOutput = windowOutput;
    this.window = window;
    this.classes = classes;
    this.rule = rule;
  }

  /**
   * The evaluation {@code config} asks for on {@code graph}: windows of {@link Evaluator#slidingWindow}
   * ({@code eval.window} / {@code eval.stride}), averaging what {@code eval.slide_average} names.
   *
   * @param requiredInputSize the model's fixed spatial input size, or 0
   * @throws ConfigException when {@code data.test_resize} is set: the windows slide over the
   *     volume as it is, so a resize would be silently ignored
   */
  public static ModalityMaskEvaluation of(InferenceGraph graph, ExperimentConfig config, int requiredInputSize,
      int classes, EmptyMaskRule rule) {
    int rank = graph.image().shape().numDimensions() - 2;
    if (TestResize.of(config.getData(), rank) != null) {
      throw new ConfigException("field 'data.test_resize': expected it empty for the"
          + " modality-mask table, found " + config.getData().getTestResizeList());
    }
    return new ModalityMaskEvaluation(graph, Evaluator.slideOutput(graph.logits(), config.getEval()),
        Evaluator.slidingWindow(config, rank, requiredInputSize, WINDOWS_PER_RUN), classes, rule);
  }

  /**
   * Scores {@code ids} of {@code dataset} under the masks with the given indexes (all 15, or
   * {@link ModalityMasks#ALL} alone for a quick validation).
   */
  public ModalityMaskTable evaluate(Session session, SegmentationDataset dataset, List<String> ids, int[] masks) {
    return evaluate(session, dataset, ids, masks, null);
  }

  /**
   * As {@link #evaluate(Session, SegmentationDataset, List, int[])}, also adding every prediction
   * (each case under each mask) to {@code pooled} unless it is null.
   */
  public ModalityMaskTable evaluate(Session session, SegmentationDataset dataset, List<String> ids, int[] masks,
      ConfusionMatrix pooled) {
    ModalityMaskTable table = new ModalityMaskTable(ModalityMasks.names(), rule);
    for (String id : ids) {
      Sample s = dataset.load(id);
      if (!s.labeled()) {
        throw new DelineoException("modality-mask evaluation: case '" + id + "' has no segmentation");
      }
      for (int m : masks) {
        int[] prediction = predict(session, s, ModalityMasks.mask(m));
        BratsCaseScores scores = BratsRegions.evaluate(prediction, s.label(), VoxelGrid.isotropic(s.labelShape()),
            rule, BratsRegions.DEFAULT_ET_PRO_MIN_VOXELS);
        table.add(m, scores);
        if (pooled != null) {
          pooled.add(prediction, s.label());
        }
      }
    }
    return table;
  }

  /** Class ids of one case under {@code mask} (availability per channel). */
  public int[] predict(Session session, Sample s, boolean[] mask) {
    int channels = s.channels();
    if (mask.length != channels) {
      throw new DelineoException("case '" + s.id() + "': mask of " + mask.length + " modalities, image has " + channels);
    }
    float[] averaged = window.apply(s.image(), s.spatialShape(), channels, classes, (windows, count, size) -> {
      long[] shape = new long[size.length + 2];
      shape[0] = count;
      for (int i = 0; i < size.length; i++) {
        shape[i + 1] = size[i];
      }
      shape[shape.length - 1] = channels;
      boolean[] masks = new boolean[count * channels];
      for (int i = 0; i < count; i++) {
        System.arraycopy(mask, 0, masks, i * channels, channels);
      }
      try (TFloat32 in = Tensors.floats(Shape.of(shape), windows);
          TBool m = TBool.tensorOf(Shape.of(count, channels), DataBuffers.of(masks, true, false));
          Result r = session.runner().feed(graph.image(), in).feed(graph.modalityMask(), m)
              .fetch(windowOutput).run()) {
        return Tensors.toFloats(r.get(0));
      }
    });
    return SlidingWindow.argMax(averaged, classes);
  }
}
