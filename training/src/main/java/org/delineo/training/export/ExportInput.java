package org.delineo.training.export;

import java.util.Arrays;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.training.config.ConfigException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.ExportConfig;
import org.delineo.serving.NormalizedPath;
import org.delineo.serving.PredictGraph;
import org.delineo.training.eval.InferenceGraph;
import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.data.pipeline.NormalizationKind;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The inputs of an exported PREDICT graph: the {@code image} placeholder of the signature's size
 * ({@code export.input_size}, else {@code data.crop_size}, else dynamic), the optional
 * {@code modality_mask}, and the reader's and the model's normalisation in front of the model.
 */
public final class ExportInput {
  private ExportInput() {}

  /** [-1, ..., -1] of {@code rank} entries: a dynamic spatial size. */
  static long[] dynamic(int rank) {
    long[] d = new long[rank];
    Arrays.fill(d, -1);
    return d;
  }

  /**
   * The placeholder {@code image} of size {@code [-1, (D,) H, W, C]} ({@code -1} on dynamic axes;
   * the inference graph pads to the network stride and crops back), the reader's normalisation
   * {@code raw} on it, then the model's. The mask, for multi-modal models, is optional exactly as
   * in {@link InferenceGraph#build} (all modalities present when not fed).
   *
   * <p>When {@code raw} is not NONE its statistics come from the request, so a client sliding
   * windows over a larger input would normalise each window on its own; the graph then also holds
   * the path of the signatures {@code normalize} ({@code raw} alone, on a placeholder of any
   * spatial size) and {@code predict_normalized} (the same model path as {@code image} minus
   * {@code raw}: {@code data.mean} / {@code data.std} still follow it, as in training, where the
   * reader normalises and the graph applies mean / std). Public for tests that export a tiny
   * model through this exact wiring.
   */
  public static PredictGraph input(GraphContext ctx, SegmentationModel model, NormalizationKind raw,
      InputNormalization normalization, int channels, long[] spatial) {
    Ops tf = ctx.tf();
    Placeholder<TFloat32> image = tf.withName("image").placeholder(TFloat32.class,
        Placeholder.shape(Shape.of(imageDims(spatial, channels))));
    Operand<TBool> mask = model.takesModalityMask() ? maskInput(tf, image, channels, "modality_mask") : null;
    Operand<TFloat32> logits = InferenceGraph.logits(ctx, model, normalization, spatial.length, channels,
        raw.apply(tf, image), mask);
    PredictGraph predict = new PredictGraph(image, logits).withModalityMask(mask);
    if (raw == NormalizationKind.NONE) {
      return predict;
    }
    Placeholder<TFloat32> rawImage = tf.withName("normalize_image").placeholder(TFloat32.class,
        Placeholder.shape(Shape.of(imageDims(dynamic(spatial.length), channels))));
    Placeholder<TFloat32> normalizedImage = tf.withName("normalized_image").placeholder(TFloat32.class,
        Placeholder.shape(Shape.of(imageDims(spatial, channels))));
    Operand<TBool> normalizedMask = model.takesModalityMask()
        ? maskInput(tf, normalizedImage, channels, "normalized_modality_mask") : null;
    Operand<TFloat32> normalizedLogits = InferenceGraph.logits(ctx, model, normalization, spatial.length, channels,
        normalizedImage, normalizedMask);
    return predict.withNormalizedPath(new NormalizedPath(rawImage, raw.apply(tf, rawImage), normalizedImage,
        normalizedLogits, normalizedMask));
  }

  /** {@code [-1, spatial..., channels]}. */
  private static long[] imageDims(long[] spatial, int channels) {
    long[] dims = new long[spatial.length + 2];
    dims[0] = -1;
    System.arraycopy(spatial, 0, dims, 1, spatial.length);
    dims[dims.length - 1] = channels;
    return dims;
  }

  /** An optional bool {@code [-1, channels]} mask named {@code name}, all present (per image of {@code image}) when not fed. */
  private static Operand<TBool> maskInput(Ops tf, Operand<TFloat32> image, int channels, String name) {
    Operand<TInt32> batch = tf.slice(tf.shape(image), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
    Operand<TBool> allPresent = tf.fill(
        tf.concat(List.of(batch, tf.constant(new int[] {channels})), tf.constant(0)), tf.constant(true));
    return tf.withName(name).placeholderWithDefault(allPresent, Shape.of(-1, channels));
  }

  /**
   * The signature's spatial size from {@code export.input_size} (else {@code data.crop_size}), both
   * in the order training crops in: (H, W) for 2D, (D, H, W) for volumes; null for a dynamic size
   * (when {@code export.dynamic_size} is set, neither size is given, or a 2D model evaluates with
   * {@code data.test_resize} and no export.input_size: it resizes any input as evaluation does).
   */
  public static long[] inputSize(ExperimentConfig config, int spatialRank) {
    ExportConfig export = config.getExport();
    List<Integer> size = export.getInputSizeCount() > 0 ? export.getInputSizeList() : config.getData().getCropSizeList();
    String field = export.getInputSizeCount() > 0 ? "export.input_size" : "data.crop_size";
    boolean resizes = spatialRank == 2 && config.getData().getTestResizeCount() > 0;
    if (export.getDynamicSize() || size.isEmpty() || (resizes && export.getInputSizeCount() == 0)) {
      return null;
    }
    if (size.size() != spatialRank) {
      throw new ConfigException("field '" + field + "' " + size + ": expected " + spatialRank
          + " values (" + (spatialRank == 3 ? "D, H, W" : "H, W") + ") for this dataset, found " + size.size());
    }
    for (int v : size) {
      if (v <= 0) {
        throw new ConfigException("field '" + field + "' " + size + ": expected positive sizes, found " + v);
      }
    }
    return size.stream().mapToLong(Integer::longValue).toArray();
  }
}
