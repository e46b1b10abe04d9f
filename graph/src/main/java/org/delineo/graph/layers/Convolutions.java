package org.delineo.graph.layers;

import java.util.ArrayList;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.VariableKind;
import org.delineo.graph.init.Initializers;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Plumbing shared by the convolution layers: input checks, stride lists, bias. */
final class Convolutions {
  private Convolutions() {}

  /**
   * The static channel count of a channels-last input of the given rank, checked against the
   * module's kernel when it already exists (an earlier application fixed the channel count).
   *
   * @param weightChannelAxis the kernel axis that holds the input channels
   * @throws ShapeMismatchException on a wrong rank, an unknown channel count, or a channel count
   *     that differs from the first application
   */
  static long inputChannels(
      GraphContext ctx, String module, Operand<TFloat32> x, int rank, String weight,
      int weightChannelAxis) {
    Shape s = x.shape();
    if (s.isUnknown() || s.numDimensions() != rank) {
      throw new ShapeMismatchException(
          module + ": expected a rank-" + rank + " channels-last input, found shape " + s);
    }
    long found = s.get(rank - 1);
    if (found < 0) {
      throw new ShapeMismatchException(
          module + ": input channel count must be known when building, found shape " + s);
    }
    ctx.variables().find(weight).ifPresent(w -> {
      long expected = w.shape().get(weightChannelAxis);
      if (expected != found) {
        throw new ShapeMismatchException(
            module + ": input channels: expected " + expected + " (as at its first application), found "
                + found + " in input shape " + s);
      }
    });
    return found;
  }

  /** [1, s, ..., s, 1] for an input with {@code spatialRank} spatial axes. */
  static List<Long> strides(int spatialRank, int stride) {
    List<Long> out = new ArrayList<>();
    out.add(1L);
    for (int i = 0; i < spatialRank; i++) {
      out.add((long) stride);
    }
    out.add(1L);
    return out;
  }

  /** Adds the module's zero-initialised bias over the last axis when {@code useBias}. */
  static Operand<TFloat32> maybeBias(
      GraphContext ctx, Operand<TFloat32> y, boolean useBias, String biasName, long channels) {
    if (!useBias) {
      return y;
    }
    Operand<TFloat32> bias =
        ctx.variables().variable(biasName, Shape.of(channels), Initializers.zeros(), VariableKind.BIAS);
    return ctx.tf().nn.biasAdd(y, bias);
  }

  /**
   * The {@code input_sizes} operand of a transposed convolution (the forward convolution's input
   * shape): per spatial axis in · stride (SAME) or (in − 1) · stride + k (VALID). Built as a pack of
   * scalars so that TF's shape inference keeps every static size; the batch (and any spatial size
   * unknown when building) is read from the run-time shape.
   */
  static Operand<TInt32> transposedOutputSizes(
      Ops tf, Operand<TFloat32> x, int[] kernel, int stride, Padding padding, long outChannels) {
    Operand<TInt32> runtime = tf.shape(x);
    Operand<TInt32> s = tf.constant(stride);
    List<Operand<TInt32>> dims = new ArrayList<>();
    dims.add(dimension(tf, runtime, 0));
    for (int i = 0; i < kernel.length; i++) {
      long in = x.shape().get(i + 1);
      if (in >= 0) {
        long out = padding.isSame() ? in * stride : (in - 1) * stride + kernel[i];
        dims.add(tf.constant((int) out));
      } else {
        Operand<TInt32> size = dimension(tf, runtime, i + 1);
        dims.add(padding.isSame()
            ? tf.math.mul(size, s)
            : tf.math.add(tf.math.mul(tf.math.sub(size, tf.constant(1)), s), tf.constant(kernel[i])));
      }
    }
    dims.add(tf.constant((int) outChannels));
    return tf.stack(dims);
  }

  private static Operand<TInt32> dimension(Ops tf, Operand<TInt32> shape, int axis) {
    return tf.gather(shape, tf.constant(axis), tf.constant(0));
  }

  /** Rejects non-positive sizes with a message naming the module and the setting. */
  static int positive(String module, String what, int value) {
    if (value < 1) {
      throw new DelineoException(module + ": " + what + " must be >= 1, found " + value);
    }
    return value;
  }

  /** Transposed convolutions take SAME or VALID only: their output size is defined by it. */
  static Padding sameOrValid(String module, Padding padding) {
    if (padding.isExplicit()) {
      throw new DelineoException(
          module + ": transposed convolution padding must be SAME or VALID, found " + padding);
    }
    return padding;
  }
}
