package org.delineo.training.eval;

import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.graph.GraphContext;
import org.delineo.graph.layers.Resize;
import org.delineo.graph.layers.ResizeMode;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.delineo.graph.model.SegmentationModel;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Max;
import org.tensorflow.op.core.Min;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A 2D model seen through {@code data.test_resize} ({@link TestResize}) as graph ops: the input is
 * resized bilinearly (half-pixel) to the test size, the wrapped model predicts on it (padded to its
 * stride and cropped back), and the logits are resized bilinearly back to the input's size. This is
 * what evaluation does in Java around each prediction, so an exported model built on it answers as
 * {@code delineo eval} scores. Any input size is accepted (the size divisor is 1).
 */
public final class TestResizedModel implements SegmentationModel {
  private final SegmentationModel inner;
  private final TestResize resize;
  private final int channels;

  /**
   * @param inner a 2D model
   * @param resize the test-time resize
   * @param channels input channels
   */
  public TestResizedModel(SegmentationModel inner, TestResize resize, int channels) {
    this.inner = inner;
    this.resize = resize;
    this.channels = channels;
  }

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public int numClasses() {
    return inner.numClasses();
  }

  @Override
  public boolean takesModalityMask() {
    return inner.takesModalityMask();
  }

  @Override
  public ModelOutputs apply(GraphContext ctx, ModelInputs inputs) {
    Ops tf = ctx.tf();
    Operand<TFloat32> image = inputs.image();
    Operand<TInt32> spatial = tf.slice(tf.shape(image), tf.constant(new int[] {1}), tf.constant(new int[] {2}));
    Operand<TFloat32> resized = tf.ensureShape(
        Resize.bilinear2d(tf, image, targetSize(tf, spatial), ResizeMode.HALF_PIXEL),
        InferenceGraph.unknownSpatial(2, channels));
    // The image arrives normalised (the outer inference graph applied data.mean / std): no second pass.
    Operand<TBool> mask = inputs.modalityMask();
    Operand<TFloat32> logits = InferenceGraph.logits(ctx, inner, new InputNormalization(new float[0], new float[0]),
        2, channels, resized, mask);
    return ModelOutputs.of(tf.ensureShape(Resize.bilinear2d(tf, logits, spatial, ResizeMode.HALF_PIXEL),
        InferenceGraph.unknownSpatial(2, logits.shape().get(3))));
  }

  /** {@link TestResize#sizeFor} as graph ops on the run-time size {@code [h, w]}. */
  private Operand<TInt32> targetSize(Ops tf, Operand<TInt32> spatial) {
    if (!resize.keepRatio()) {
      return tf.constant(new int[] {resize.height(), resize.width()});
    }
    Operand<TFloat32> hw = tf.dtypes.cast(spatial, TFloat32.class);
    Operand<TFloat32> f = tf.math.minimum(
        tf.math.div(tf.constant((float) Math.max(resize.height(), resize.width())),
            tf.max(hw, tf.constant(0), Max.keepDims(false))),
        tf.math.div(tf.constant((float) Math.min(resize.height(), resize.width())),
            tf.min(hw, tf.constant(0), Min.keepDims(false))));
    Operand<TInt32> rounded = tf.dtypes.cast(tf.math.floor(tf.math.add(tf.math.mul(hw, f), tf.constant(0.5f))),
        TInt32.class);
    return tf.math.maximum(rounded, tf.constant(1));
  }
}
