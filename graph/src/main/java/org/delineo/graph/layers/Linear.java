package org.delineo.graph.layers;

import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.VariableKind;
import org.delineo.graph.init.Initializer;
import org.delineo.graph.init.Initializers;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A dense layer on the last axis of an input of any rank: {@code y = x·weight + bias} with
 * {@code weight [in, out]} (WEIGHT) and {@code bias [out]} (BIAS, zeros unless a bias initializer
 * is given).
 *
 * <p>The default weight initializer is a truncated normal with std 0.02, the choice of the
 * transformer backbones and heads that use this layer most (timm ViT/Swin, mmseg MiT and SegFormer
 * heads); pass {@link Initializers#xavierUniform()} or another one where a model says otherwise.
 */
public final class Linear extends Module implements Layer {
  /** Standard deviation of the default truncated-normal weight initializer. */
  public static final float DEFAULT_INIT_STD = 0.02f;

  private final long outFeatures;
  private final boolean useBias;
  private final Initializer init;
  private final Initializer biasInit;

  /** A linear layer with bias and the default initializer. */
  public Linear(String name, long outFeatures) {
    this(name, outFeatures, true);
  }

  /** A linear layer with or without bias and the default initializer. */
  public Linear(String name, long outFeatures, boolean useBias) {
    this(name, outFeatures, useBias, Initializers.truncatedNormal(DEFAULT_INIT_STD));
  }

  /**
   * @param outFeatures size of the output's last axis, positive
   * @param useBias whether to add a learned bias
   * @param init initializer of {@code weight}
   */
  public Linear(String name, long outFeatures, boolean useBias, Initializer init) {
    this(name, outFeatures, useBias, init, Initializers.zeros());
  }

  /**
   * A linear layer with a bias drawn from {@code biasInit}, e.g. PyTorch's {@code nn.Linear}
   * default U(±1/√fan_in) where a model keeps it.
   */
  public Linear(String name, long outFeatures, Initializer init, Initializer biasInit) {
    this(name, outFeatures, true, init, biasInit);
  }

  private Linear(
      String name, long outFeatures, boolean useBias, Initializer init, Initializer biasInit) {
    super(name);
    if (outFeatures < 1) {
      throw new DelineoException(name + ": outFeatures must be positive, found " + outFeatures);
    }
    this.outFeatures = outFeatures;
    this.useBias = useBias;
    this.init = init;
    this.biasInit = biasInit;
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    int rank = LayerShapes.rank(input, name(), 1, Integer.MAX_VALUE);
    long in = LayerShapes.lastDim(input, name());
    Operand<TFloat32> weight =
        ctx.variables().variable(child("weight"), Shape.of(in, outFeatures), init, VariableKind.WEIGHT);
    Ops tf = ctx.tf();
    Operand<TFloat32> y;
    if (rank == 2) {
      y = tf.linalg.matMul(input, weight);
    } else {
      // MatMul wants rank 2: fold every leading axis into one, multiply, unfold.
      Operand<TFloat32> flat = tf.reshape(input, tf.constant(new int[] {-1, (int) in}));
      y = tf.reshape(tf.linalg.matMul(flat, weight), LayerShapes.reshapeTarget(tf, input, rank - 1, outFeatures));
    }
    if (!useBias) {
      return y;
    }
    Operand<TFloat32> bias =
        ctx.variables().variable(child("bias"), Shape.of(outFeatures), biasInit, VariableKind.BIAS);
    return tf.math.add(y, bias);
  }
}
