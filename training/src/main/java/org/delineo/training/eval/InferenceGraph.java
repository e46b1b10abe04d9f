package org.delineo.training.eval;

import org.delineo.training.data.pipeline.InputNormalization;
import java.util.Arrays;
import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.layers.Resize;
import org.delineo.graph.layers.ResizeMode;
import org.delineo.graph.model.SegmentationModel;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Stack;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A forward pass from raw images: placeholder {@code [-1, (D,) H, W, C]} (spatial sizes dynamic),
 * normalisation in the graph, zero padding (after normalisation, i.e. the mean) up to a multiple of
 * the network's stride, the model in the context's mode, logits cropped back to the input size, and
 * arg-max classes. The evaluation path of training, {@code eval} and {@code export} all build this,
 * so exported models accept any input size.
 *
 * @param image the raw-image placeholder
 * @param modalityMask for multi-modal models an optional {@code [-1, M]} availability input
 *     (all modalities present when not fed), else null
 * @param logits class logits, classes last
 * @param predictions arg-max class per pixel
 */
public record InferenceGraph(Placeholder<TFloat32> image, Operand<TBool> modalityMask, Operand<TFloat32> logits,
    Operand<TInt32> predictions) {

  /**
   * Builds the pass in {@code ctx} (EVAL or PREDICT mode) with the placeholder named {@code name};
   * a multi-modal model's mask input is named {@code modality_mask} when {@code name} is
   * {@code image}, else {@code <name>_modality_mask}.
   */
  public static InferenceGraph build(GraphContext ctx, SegmentationModel model,
      InputNormalization normalization, int spatialRank, int channels, String name) {
    Ops tf = ctx.tf();
    Placeholder<TFloat32> image = tf.withName(name).placeholder(TFloat32.class,
        Placeholder.shape(unknownSpatial(spatialRank, channels)));
    Operand<TBool> mask = null;
    if (model.takesModalityMask()) {
      Operand<TInt32> batch = tf.slice(tf.shape(image), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
      Operand<TBool> allPresent = tf.fill(tf.concat(List.of(batch, tf.constant(new int[] {channels})), tf.constant(0)),
          tf.constant(true));
      String maskName = name.equals("image") ? "modality_mask" : name + "_modality_mask";
      mask = tf.withName(maskName).placeholderWithDefault(allPresent, Shape.of(-1, channels));
    }
    Operand<TFloat32> logits = logits(ctx, model, normalization, spatialRank, channels, image, mask);
    return new InferenceGraph(image, mask, logits, tf.math.argMax(logits, tf.constant(-1), TInt32.class));
  }

  /**
   * The logits of raw images {@code image} (any operand, e.g. images decoded in the graph):
   * normalised, padded to the stride, cropped back.
   */
  public static Operand<TFloat32> logits(GraphContext ctx, SegmentationModel model,
      InputNormalization normalization, int spatialRank, int channels, Operand<TFloat32> image) {
    return logits(ctx, model, normalization, spatialRank, channels, image, null);
  }

  /** As {@link #logits(GraphContext, SegmentationModel, InputNormalization, int, int, Operand)} with a modality mask (or null). */
  public static Operand<TFloat32> logits(GraphContext ctx, SegmentationModel model,
      InputNormalization normalization, int spatialRank, int channels, Operand<TFloat32> image,
      Operand<TBool> mask) {
    Ops tf = ctx.tf();
    Operand<TFloat32> x = normalization.apply(tf, image);
    int d = model.sizeDivisor();
    Operand<TFloat32> logits;
    if (d > 1) {
      Operand<TInt32> shape = tf.shape(x);
      Operand<TInt32> spatial = tf.slice(shape, tf.constant(new int[] {1}), tf.constant(new int[] {spatialRank}));
      Operand<TInt32> divisor = tf.constant(d);
      Operand<TInt32> extra = tf.math.floorMod(tf.math.sub(divisor, tf.math.floorMod(spatial, divisor)), divisor);
      // [[0, 0], [0, pad_1], ..., [0, pad_r], [0, 0]]
      Operand<TInt32> after = tf.concat(List.of(tf.constant(new int[] {0}), extra, tf.constant(new int[] {0})),
          tf.constant(0));
      Operand<TInt32> paddings = tf.stack(List.of(tf.zerosLike(after), after), Stack.axis(1L));
      // Padding and slicing by run-time sizes lose the static channel and class axes layers need.
      Operand<TFloat32> padded = tf.ensureShape(tf.pad(x, paddings, tf.constant(0f)), unknownSpatial(spatialRank, channels));
      Operand<TFloat32> full = toInputSize(tf, model.apply(ctx, new ModelInputs(padded, mask)).logits(),
          tf.math.add(spatial, extra));
      Operand<TInt32> size = tf.concat(List.of(tf.constant(new int[] {-1}), spatial, tf.constant(new int[] {-1})),
          tf.constant(0));
      logits = tf.ensureShape(tf.slice(full, tf.zerosLike(size), size),
          unknownSpatial(spatialRank, full.shape().get(spatialRank + 1)));
    } else {
      Operand<TInt32> spatial = tf.slice(tf.shape(x), tf.constant(new int[] {1}), tf.constant(new int[] {spatialRank}));
      logits = toInputSize(tf, model.apply(ctx, new ModelInputs(x, mask)).logits(), spatial);
    }
    return logits;
  }

  /**
   * 2D logits resized bilinearly (half-pixel, mmseg's align_corners=False) to the input's size, as
   * mmseg does for heads at 1/4 or 1/8 resolution; an exact identity when the sizes already agree.
   * Volumetric models must already produce full-resolution logits.
   */
  private static Operand<TFloat32> toInputSize(Ops tf, Operand<TFloat32> logits, Operand<TInt32> spatial) {
    if (logits.shape().numDimensions() != 4) {
      return logits;
    }
    long classes = logits.shape().get(3);
    return tf.ensureShape(Resize.bilinear2d(tf, logits, spatial, ResizeMode.HALF_PIXEL), unknownSpatial(2, classes));
  }

  /** [-1, -1 ×spatialRank, last]. */
  static Shape unknownSpatial(int spatialRank, long last) {
    long[] dims = new long[spatialRank + 2];
    Arrays.fill(dims, -1);
    dims[dims.length - 1] = last;
    return Shape.of(dims);
  }
}
