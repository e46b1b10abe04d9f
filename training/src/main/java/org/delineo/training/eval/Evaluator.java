package org.delineo.training.eval;

import java.util.Collections;
import java.util.List;
import org.delineo.graph.Tensors;
import org.delineo.proto.EvalConfig;
import org.delineo.proto.ExperimentConfig;
import org.delineo.serving.PadMode;
import org.delineo.serving.SlidingWindow;
import org.delineo.training.config.ConfigException;
import org.delineo.training.data.Sample;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.augment.BilinearResize;
import org.delineo.training.metrics.ConfusionMatrix;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Evaluation of a split: each sample goes through the EVAL path on its own (no augmentation),
 * whole (batch 1) or, in {@code eval.mode: SLIDE}, as overlapping windows whose softmax
 * probabilities or logits ({@code eval.slide_average}) are averaged ({@link SlidingWindow});
 * predictions are accumulated in a confusion matrix. With {@code data.test_resize} ({@link TestResize})
 * the model sees the image resized bilinearly and its logits (WHOLE) or averaged window outputs
 * (SLIDE) are resized back bilinearly to the sample's size before the arg-max, so every metric is
 * taken on the native label grid.
 */
public final class Evaluator {
  private final Placeholder<TFloat32> image;
  private final Operand<TInt32> predictions;
  private final int numClasses;
  private final int ignoreIndex;
  /** Per-window output SLIDE averages: softmax probabilities or the logits themselves. */
  private final Operand<TFloat32> windowOutput;
  private final SlidingWindow window;
  /** The logits, fetched instead of the arg-max when a WHOLE prediction must be resized back. */
  private final Operand<TFloat32> logits;
  /** The test-time resize, or null. */
  private final TestResize resize;

  /** Whole-image evaluation of {@code predictions}. */
  public Evaluator(Placeholder<TFloat32> image, Operand<TInt32> predictions, int numClasses, int ignoreIndex) {
    this(image, predictions, null, null, null, null, numClasses, ignoreIndex);
  }

  private Evaluator(Placeholder<TFloat32> image, Operand<TInt32> predictions, Operand<TFloat32> windowOutput,
      SlidingWindow window, Operand<TFloat32> logits, TestResize resize, int numClasses, int ignoreIndex) {
    this.image = image;
    this.predictions = predictions;
    this.windowOutput = windowOutput;
    this.window = window;
    this.logits = logits;
    this.resize = resize;
    this.numClasses = numClasses;
    this.ignoreIndex = ignoreIndex;
  }

  /**
   * The evaluator {@code config.eval} asks for on {@code graph}: WHOLE, or SLIDE with
   * {@code eval.window} (default {@code data.crop_size}, else the model's fixed input size) and
   * {@code eval.stride} (default half the window), averaging what {@code eval.slide_average} names
   * (adds a softmax to the graph for PROBABILITIES); either with the {@code data.test_resize} of
   * {@link TestResize#of}.
   *
   * @param requiredInputSize the model's fixed spatial input size ({@code SegmentationModel.requiredInputSize()}),
   *     or 0 when it takes any size: a fixed-size model gets inputs smaller than the window
   *     zero-padded and cropped back ({@link SlidingWindow.Fit#PAD}), any other one a clipped
   *     window ({@link SlidingWindow.Fit#CLIP})
   * @throws ConfigException when SLIDE has no window, or window and stride disagree in length, or
   *     test_resize is malformed or set for volumes
   */
  public static Evaluator of(InferenceGraph graph, ExperimentConfig config, int numClasses, int requiredInputSize) {
    int ignore = config.getData().getIgnoreIndex();
    int rank = graph.image().shape().numDimensions() - 2;
    TestResize resize = TestResize.of(config.getData(), rank);
    if (config.getEval().getMode() != EvalConfig.Mode.SLIDE) {
      return new Evaluator(graph.image(), graph.predictions(), null, null, graph.logits(), resize, numClasses, ignore);
    }
    return new Evaluator(graph.image(), graph.predictions(), slideOutput(graph.logits(), config.getEval()),
        slidingWindow(config, rank, requiredInputSize, 1), graph.logits(), resize, numClasses, ignore);
  }

  /**
   * What SLIDE mode averages for {@code eval.slide_average}: the logits themselves, or their softmax
   * (added to the logits' graph). {@link SlidingWindow} averages whatever it is given, so the
   * choice lives here.
   */
  public static Operand<TFloat32> slideOutput(Operand<TFloat32> logits, EvalConfig eval) {
    if (eval.getSlideAverage() == EvalConfig.SlideAverage.LOGITS) {
      return logits;
    }
    return Ops.create(logits.env()).nn.softmax(logits);
  }

  /**
   * The sliding window of {@code config}: {@code eval.window}, else {@code data.crop_size}, else the
   * model's fixed input size; {@code eval.stride} (one value for all axes or one per axis), else half
   * the window. A fixed-size model gets inputs smaller than the window zero-padded and cropped back
   * ({@link SlidingWindow.Fit#PAD}), any other one a clipped window ({@link SlidingWindow.Fit#CLIP}).
   *
   * @param batchSize windows per {@code Session.run}
   * @throws ConfigException when no window is known, or window and stride disagree in length
   */
  public static SlidingWindow slidingWindow(ExperimentConfig config, int spatialRank, int requiredInputSize,
      int batchSize) {
    EvalConfig eval = config.getEval();
    List<Integer> w = eval.getWindowCount() > 0 ? eval.getWindowList() : config.getData().getCropSizeList();
    if (w.isEmpty() && requiredInputSize > 0) {
      w = Collections.nCopies(spatialRank, requiredInputSize);
    }
    if (w.isEmpty()) {
      throw new ConfigException("field 'eval.window': expected the window size per spatial axis in SLIDE mode (or"
          + " data.crop_size), found none");
    }
    int[] size = w.stream().mapToInt(Integer::intValue).toArray();
    if (eval.getStrideCount() > 1 && eval.getStrideCount() != size.length) {
      throw new ConfigException("field 'eval.stride': expected " + size.length + " values (one per window axis),"
          + " found " + eval.getStrideCount());
    }
    int[] stride = new int[size.length];
    for (int i = 0; i < size.length; i++) {
      stride[i] = eval.getStrideCount() > 0 ? eval.getStride(Math.min(i, eval.getStrideCount() - 1))
          : Math.max(1, size[i] / 2);
    }
    return new SlidingWindow(size, stride, batchSize,
        requiredInputSize > 0 ? SlidingWindow.Fit.PAD : SlidingWindow.Fit.CLIP, PadMode.ZERO);
  }

  /** The confusion matrix over {@code ids} (labelled samples). */
  public ConfusionMatrix evaluate(Session session, SegmentationDataset dataset, List<String> ids) {
    ConfusionMatrix matrix = new ConfusionMatrix(numClasses, ignoreIndex);
    for (String id : ids) {
      Sample s = dataset.load(id);
      matrix.add(predict(session, s), s.label());
    }
    return matrix;
  }

  /** Class ids per pixel of one sample, on the sample's own grid. */
  public int[] predict(Session session, Sample s) {
    if (resize != null) {
      int h = s.imageShape()[0];
      int w = s.imageShape()[1];
      int[] to = resize.sizeFor(h, w);
      if (to[0] != h || to[1] != w) {
        return predictResized(session, s, h, w, to);
      }
    }
    if (window != null) {
      return SlidingWindow.argMax(slide(session, s.image(), s.spatialShape(), s.channels()), numClasses);
    }
    long[] shape = new long[s.imageShape().length + 1];
    shape[0] = 1;
    for (int i = 0; i < s.imageShape().length; i++) {
      shape[i + 1] = s.imageShape()[i];
    }
    try (TFloat32 in = Tensors.floats(Shape.of(shape), s.image());
        Result r = session.runner().feed(image, in).fetch(predictions).run()) {
      return Tensors.toInts(r.get(0));
    }
  }

  /**
   * The prediction made at size {@code to}: the image resized bilinearly, the per-pixel class scores
   * (logits, or what SLIDE averages) resized back bilinearly to {@code h x w}, then the arg-max. The
   * scores are resized rather than the labels, as mmseg and UniMatch do, so boundaries fall between
   * native pixels where the interpolated scores cross.
   */
  private int[] predictResized(Session session, Sample s, int h, int w, int[] to) {
    int channels = s.channels();
    float[] pixels = BilinearResize.resize(s.image(), h, w, channels, to[0], to[1]);
    float[] scores;
    if (window != null) {
      scores = slide(session, pixels, to, channels);
    } else {
      try (TFloat32 in = Tensors.floats(Shape.of(1, to[0], to[1], channels), pixels);
          Result r = session.runner().feed(image, in).fetch(logits).run()) {
        scores = Tensors.toFloats(r.get(0));
      }
    }
    return SlidingWindow.argMax(BilinearResize.resize(scores, to[0], to[1], numClasses, h, w), numClasses);
  }

  /** The window outputs of {@code image} averaged per pixel, classes last. */
  private float[] slide(Session session, float[] pixels, int[] spatial, int channels) {
    return window.apply(pixels, spatial, channels, numClasses, (windows, count, w) -> {
      long[] batch = new long[w.length + 2];
      batch[0] = count;
      for (int i = 0; i < w.length; i++) {
        batch[i + 1] = w[i];
      }
      batch[batch.length - 1] = channels;
      try (TFloat32 in = Tensors.floats(Shape.of(batch), windows);
          Result r = session.runner().feed(image, in).fetch(windowOutput).run()) {
        return Tensors.toFloats(r.get(0));
      }
    });
  }
}
