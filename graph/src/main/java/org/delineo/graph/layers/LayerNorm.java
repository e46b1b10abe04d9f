package org.delineo.graph.layers;

import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.VariableKind;
import org.delineo.graph.init.Initializers;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Layer normalisation over the last axis (PyTorch {@code nn.LayerNorm(C)}), with a per-feature
 * {@code weight} (ones) and {@code bias} (zeros). Transformers (SegFormer, Swin) often use eps 1e-6.
 */
public final class LayerNorm extends Module implements Layer {
  /** PyTorch's default epsilon. */
  public static final float DEFAULT_EPS = 1e-5f;

  private final float eps;

  /** Layer norm with PyTorch's eps 1e-5. */
  public LayerNorm(String name) {
    this(name, DEFAULT_EPS);
  }

  /** @param eps added to the variance before the square root, positive */
  public LayerNorm(String name, float eps) {
    super(name);
    if (!(eps > 0f)) {
      throw new DelineoException(name + ": eps must be positive, found " + eps);
    }
    this.eps = eps;
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    LayerShapes.rank(input, name(), 1, Integer.MAX_VALUE);
    long features = LayerShapes.lastDim(input, name());
    Shape perFeature = Shape.of(features);
    Operand<TFloat32> weight =
        ctx.variables().variable(child("weight"), perFeature, Initializers.ones(), VariableKind.NORM);
    Operand<TFloat32> bias =
        ctx.variables().variable(child("bias"), perFeature, Initializers.zeros(), VariableKind.NORM);
    Ops tf = ctx.tf();
    Operand<TInt32> last = tf.constant(new int[] {-1});
    Operand<TFloat32> mean = tf.math.mean(input, last, Mean.keepDims(true));
    Operand<TFloat32> variance =
        tf.math.mean(tf.math.squaredDifference(input, mean), last, Mean.keepDims(true));
    Operand<TFloat32> normalised =
        tf.math.mul(tf.math.sub(input, mean), tf.math.rsqrt(tf.math.add(variance, tf.constant(eps))));
    return tf.math.add(tf.math.mul(normalised, weight), bias);
  }
}
