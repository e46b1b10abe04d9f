package org.delineo.graph.layers;

import java.util.List;
import org.delineo.graph.gradients.CustomGradients;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A 2-D NHWC convolution built as TF's generic {@code Conv} op instead of {@code Conv2D}. The two
 * compute the same thing; what differs is who runs them on the CPU. With oneDNN on (as the launcher
 * and the tests run TF), Grappler rewrites every {@code Conv2D} to oneDNN's kernel, but leaves
 * {@code Conv} alone, so it runs Eigen's spatial convolution. On the 2-core AVX-512 development
 * machine that forward took about half the CPU time of oneDNN's at 256 and 512 channels (see
 * docs/performance.md).
 *
 * <p>{@code Conv} has no C++ gradient; {@link CustomGradients} registers one, which builds the
 * input gradient as another {@code Conv} where it can, so every call installs it first. The op
 * records the kernel's static shape, which that gradient needs and cannot ask the graph for.
 */
final class GenericConv {
  private static final String OP_TYPE = "Conv";

  private GenericConv() {}

  /**
   * {@code Conv2D(input, kernel, strides, padding)} for NHWC input and an HWIO kernel, without
   * dilation; explicit amounts become the op's EXPLICIT padding.
   */
  static Operand<TFloat32> conv2d(
      Ops tf, Operand<TFloat32> input, Operand<TFloat32> kernel, List<Long> strides,
      Padding padding) {
    CustomGradients.install();
    long[] strideArray = strides.stream().mapToLong(Long::longValue).toArray();
    var builder = tf.scope().opBuilder(OP_TYPE, OP_TYPE)
        .addInput(input.asOutput())
        .addInput(kernel.asOutput())
        .setAttr("strides", strideArray)
        // The generic op's default is an empty list, which its kernel rejects.
        .setAttr("dilations", new long[] {1, 1, 1, 1});
    if (padding.isExplicit()) {
      // Padded inside the kernel: no Pad op, so no padded copy of the input for the backward pass.
      int[][] a = padding.amounts(2);
      builder.setAttr("padding", "EXPLICIT")
          .setAttr("explicit_paddings", new long[] {0, 0, a[0][0], a[0][1], a[1][0], a[1][1], 0, 0});
    } else {
      builder.setAttr("padding", padding.tfPadding());
    }
    if (kernel.shape().hasUnknownDimension()) {
      return builder.build().output(0);
    }
    return builder.setAttr(CustomGradients.KERNEL_SHAPE, kernel.shape().asArray()).build().output(0);
  }
}
