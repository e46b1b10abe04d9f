package org.delineo.graph.layers;

import org.delineo.graph.gradients.CustomGradients;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.LeakyRelu;
import org.tensorflow.types.TFloat32;

/** Elementwise activation functions (and softmax over the last axis) as graph ops. */
public final class Activations {
  private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));

  private Activations() {}

  /**
   * max(x, 0), with a backward pass that reads the output instead of the input.
   *
   * <p>Why: TF's C++ gradient of {@code Relu} (the one {@code Graph.addGradients} uses) masks with
   * the op's input, so a training graph keeps both the pre-activation (say a batch norm's output)
   * and the activation alive until the backward pass, where PyTorch's in-place ReLU keeps one.
   * Here the Relu's output passes through an {@code IdentityN} that also takes x and carries
   * {@link CustomGradients#RELU_FROM_OUTPUT}; its registered gradient gives x ReluGrad(dy, y)
   * (y > 0 exactly where x > 0) and nothing to the Relu, so no backward op reads x.
   */
  public static Operand<TFloat32> relu(Ops tf, Operand<TFloat32> x) {
    return CustomGradients.reluReadingOutput(tf, x);
  }

  /** min(max(x, 0), 6), as in MobileNet-style blocks. */
  public static Operand<TFloat32> relu6(Ops tf, Operand<TFloat32> x) {
    return tf.nn.relu6(x);
  }

  /**
   * x for x ≥ 0, slope·x otherwise. Right after a BiasAdd it is built as max(x, slope·x) (equal for
   * 0 ≤ slope ≤ 1): Grappler's remapper fuses Conv + BiasAdd + LeakyRelu although LeakyReluGrad
   * still reads the BiasAdd, and logs "remapper failed ... missing node 'BiasAdd_…'" on every
   * training graph with that pattern (GrapplerRemapperTest).
   */
  public static Operand<TFloat32> leakyRelu(Ops tf, Operand<TFloat32> x, float slope) {
    if (slope >= 0f && slope <= 1f && x.op().type().equals("BiasAdd")) {
      return tf.math.maximum(x, tf.math.mul(x, tf.constant(slope)));
    }
    return tf.nn.leakyRelu(x, LeakyRelu.alpha(slope));
  }

  /**
   * The exact GELU x·Φ(x) = 0.5·x·(1 + erf(x/√2)), PyTorch's default {@code nn.GELU()} (not the tanh
   * approximation), as used by SegFormer and Swin MLPs.
   */
  public static Operand<TFloat32> gelu(Ops tf, Operand<TFloat32> x) {
    Operand<TFloat32> cdf =
        tf.math.mul(
            tf.constant(0.5f),
            tf.math.add(tf.constant(1f), tf.math.erf(tf.math.mul(x, tf.constant(INV_SQRT2)))));
    return tf.math.mul(x, cdf);
  }

  /** 1 / (1 + e^−x). */
  public static Operand<TFloat32> sigmoid(Ops tf, Operand<TFloat32> x) {
    return tf.math.sigmoid(x);
  }

  /** tanh(x). */
  public static Operand<TFloat32> tanh(Ops tf, Operand<TFloat32> x) {
    return tf.math.tanh(x);
  }

  /** Softmax over the last axis (class probabilities from NHWC / NDHWC logits). */
  public static Operand<TFloat32> softmax(Ops tf, Operand<TFloat32> x) {
    return tf.nn.softmax(x);
  }
}
