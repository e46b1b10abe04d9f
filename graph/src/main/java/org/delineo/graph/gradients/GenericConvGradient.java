package org.delineo.graph.gradients;

import java.util.Arrays;
import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.op.nn.Conv2dBackpropFilter;
import org.tensorflow.op.nn.Conv2dBackpropInput;
import org.tensorflow.types.family.TNumber;

/**
 * The gradient of TF's generic 2-D {@code Conv} op, built from ops whose CPU kernels are fast.
 *
 * <ul>
 *   <li><b>Input gradient.</b> For stride 1 and no dilation it is itself a convolution: dy
 *       correlated with the kernel turned by 180° with its in and out channels swapped, padded by
 *       k − 1 − p where the forward padded p. Built as a {@code Conv} op, it runs Eigen's forward
 *       convolution, about twice as fast on the 2-core AVX-512 machine as oneDNN's
 *       {@code Conv2DBackpropInput} at 256–512 channels (docs/performance.md). Strided or dilated
 *       convolutions, and paddings wider than the kernel, keep {@code Conv2DBackpropInput}.
 *   <li><b>Filter gradient.</b> {@code Conv2DBackpropFilter}.
 *   <li><b>An unpadded 1×1 kernel of stride 1</b> is a matrix product over pixels, and so are both
 *       gradients: dy · wᵀ and xᵀ · dy, two {@code MatMul}s.
 * </ul>
 *
 * All but the backprop ops need the kernel's static shape, which the layer records on the op ({@link
 * CustomGradients#KERNEL_SHAPE}); without it the gradient is the backprop ops. Each keeps the forward
 * op's geometry exactly (finite differences in CustomGradientsTest).
 */
final class GenericConvGradient {
  private GenericConvGradient() {}

  static List<Operand<?>> of(Ops tf, GraphOperation op, List<Output<?>> grads) {
    GenericConvAttributes a = GenericConvAttributes.of(op);
    Operand<TNumber> input = typed(op.input(0));
    Operand<TNumber> filter = typed(op.input(1));
    Operand<TNumber> dy = typed(grads.get(0));
    Shape kernel = kernelShape(op);
    return List.of(inputGradient(tf, a, kernel, input, filter, dy),
        filterGradient(tf, a, kernel, input, filter, dy));
  }

  /**
   * The kernel shape recorded on the op under {@link CustomGradients#KERNEL_SHAPE}, or an unknown
   * shape. It cannot be asked of the graph here: a shape query inside a gradient callback waits
   * for the graph lock that {@code addGradients} holds, forever.
   */
  private static Shape kernelShape(GraphOperation op) {
    try {
      long[] dims = op.attributes().getAttrIntList(CustomGradients.KERNEL_SHAPE);
      return dims.length == 4 ? Shape.of(dims) : Shape.unknown();
    } catch (RuntimeException absent) {
      return Shape.unknown();
    }
  }

  private static Operand<TNumber> inputGradient(
      Ops tf, GenericConvAttributes a, Shape kernel, Operand<TNumber> input, Operand<TNumber> filter,
      Operand<TNumber> dy) {
    if (isPointwise(a, kernel)) {
      // dy · wᵀ over all pixels: no turned copy of the kernel, MatMul transposes as it reads.
      Operand<TNumber> product = tf.withName("ConvInputGradient").linalg.matMul(
          tf.reshape(dy, tf.constant(new long[] {-1, kernel.get(3)})),
          tf.reshape(filter, tf.constant(new long[] {kernel.get(2), kernel.get(3)})), MatMul.transposeB(true));
      return tf.reshape(product, tf.shape(input));
    }
    long[] mirrored = a.unitStride() && a.undilated() ? mirroredPadding(a, kernel) : null;
    if (mirrored == null) {
      return tf.nn.conv2dBackpropInput(
          tf.shape(input), filter, dy, a.strides(), a.padding(),
          Conv2dBackpropInput.explicitPaddings(a.explicitPaddings()),
          Conv2dBackpropInput.dilations(a.dilations()));
    }
    // The turned kernel depends on the weights only, so it could be made at the start of the step
    // and held through the forward pass; a control input on dy makes it when it is needed. (Built
    // by hand: a gradient callback's Ops ignore withControlDependencies, as they ignore withDevice.)
    Output<TNumber> swapped = tf.scope().opBuilder("Transpose", "Transpose")
        .addInput(filter.asOutput())
        .addInput(tf.constant(new int[] {0, 1, 3, 2}).asOutput())
        .addControlInput(dy.op())
        .build()
        .output(0);
    Operand<TNumber> turned = tf.reverse(swapped, tf.constant(new int[] {0, 1}));
    var builder = tf.scope().opBuilder("Conv", "ConvInputGradient")
        .addInput(dy.asOutput())
        .addInput(turned.asOutput())
        .setAttr("strides", new long[] {1, 1, 1, 1})
        .setAttr("dilations", new long[] {1, 1, 1, 1});
    if (Arrays.equals(mirrored, GenericConvAttributes.samePerSide(kernel.get(0), kernel.get(1)))) {
      builder.setAttr("padding", "SAME");
    } else {
      builder.setAttr("padding", "EXPLICIT").setAttr("explicit_paddings", mirrored);
    }
    return typed(builder.build().output(0));
  }

  /**
   * Per side of each spatial axis, k − 1 minus the forward padding there, in {@code
   * explicit_paddings} order (batch, rows, columns, channels); null when the kernel size is not
   * static or the forward padded more than k − 1 somewhere.
   */
  private static long[] mirroredPadding(GenericConvAttributes a, Shape filterShape) {
    if (filterShape.isUnknown()) {
      return null;
    }
    long[] forward = a.paddingPerSide(filterShape.get(0), filterShape.get(1));
    long[] out = new long[8];
    for (int i = 2; i < 6; i++) {
      long p = filterShape.get((i - 2) / 2) - 1 - forward[i];
      if (p < 0) {
        return null;
      }
      out[i] = p;
    }
    return out;
  }

  private static Operand<TNumber> filterGradient(
      Ops tf, GenericConvAttributes a, Shape f, Operand<TNumber> input, Operand<TNumber> filter,
      Operand<TNumber> dy) {
    if (!isPointwise(a, f)) {
      return tf.nn.conv2dBackpropFilter(
          input, tf.shape(filter), dy, a.strides(), a.padding(),
          Conv2dBackpropFilter.explicitPaddings(a.explicitPaddings()),
          Conv2dBackpropFilter.dilations(a.dilations()));
    }
    Operand<TNumber> pixels = tf.reshape(input, tf.constant(new long[] {-1, f.get(2)}));
    Operand<TNumber> dPixels = tf.reshape(dy, tf.constant(new long[] {-1, f.get(3)}));
    return tf.reshape(tf.withName("ConvFilterGradient").linalg.matMul(pixels, dPixels, MatMul.transposeA(true)),
        tf.constant(new long[] {1, 1, f.get(2), f.get(3)}));
  }

  /** An unpadded 1×1 kernel of stride 1: the convolution is a matrix product over pixels. */
  private static boolean isPointwise(GenericConvAttributes a, Shape kernel) {
    return !kernel.isUnknown() && kernel.get(0) == 1 && kernel.get(1) == 1 && a.unitStride() && a.undilated()
        && isZero(a.paddingPerSide(1, 1));
  }

  private static boolean isZero(long[] values) {
    for (long v : values) {
      if (v != 0) {
        return false;
      }
    }
    return true;
  }

  @SuppressWarnings("unchecked")
  private static <T extends TNumber> Operand<T> typed(Operand<?> operand) {
    return (Operand<T>) operand;
  }
}
