package org.delineo.graph.layers;

import java.util.Arrays;
import org.delineo.graph.DelineoException;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * How a convolution pads its input: TF's {@code SAME} (output size ceil(in / stride), extra padding
 * at the end when odd) or {@code VALID} (none), or explicit zero amounts before and after each
 * spatial axis. Explicit padding is what PyTorch's {@code padding=p} means; it is realised as a
 * zero {@code Pad} followed by a {@code VALID} convolution, so imported PyTorch weights see the same
 * borders, unless TF's {@code SAME} pads exactly the same zeros for the input at hand
 * ({@link #resolvedFor}), as it does for every stride-1 convolution with an odd kernel and
 * {@code padding = (k − 1) / 2}.
 */
public final class Padding {
  /** TF {@code SAME}: output size ceil(in / stride); odd padding goes after (bottom/right). */
  public static final Padding SAME = new Padding(Kind.SAME, new int[0]);
  /** TF {@code VALID}: no padding. */
  public static final Padding VALID = new Padding(Kind.VALID, new int[0]);

  private enum Kind { SAME, VALID, EXPLICIT }

  private final Kind kind;
  /** Explicit: one amount for every side of every axis, or (before, after) per spatial axis. */
  private final int[] amounts;

  private Padding(Kind kind, int[] amounts) {
    this.kind = kind;
    this.amounts = amounts;
  }

  /** {@code p} zeros on both sides of every spatial axis (PyTorch {@code padding=p}), any rank. */
  public static Padding of(int p) {
    return explicitAmounts(p);
  }

  /** Explicit zero padding of a 2-D input: rows before/after, columns before/after. */
  public static Padding explicit(int top, int bottom, int left, int right) {
    return explicitAmounts(top, bottom, left, right);
  }

  /** Explicit zero padding of a 3-D input: depth, rows and columns, each before/after. */
  public static Padding explicit(int front, int back, int top, int bottom, int left, int right) {
    return explicitAmounts(front, back, top, bottom, left, right);
  }

  private static Padding explicitAmounts(int... amounts) {
    for (int a : amounts) {
      if (a < 0) {
        throw new DelineoException(
            "padding amounts must be >= 0, found " + Arrays.toString(amounts));
      }
    }
    return new Padding(Kind.EXPLICIT, amounts.clone());
  }

  public boolean isSame() {
    return kind == Kind.SAME;
  }

  public boolean isExplicit() {
    return kind == Kind.EXPLICIT;
  }

  /**
   * The explicit amounts as {@code [axis][before, after]} for an input with {@code spatialRank}
   * spatial axes.
   *
   * @throws DelineoException if this is not explicit padding or was given for another rank
   */
  public int[][] amounts(int spatialRank) {
    if (!isExplicit()) {
      throw new DelineoException("padding " + this + " has no explicit amounts");
    }
    int[][] out = new int[spatialRank][2];
    if (amounts.length == 1) {
      for (int[] axis : out) {
        Arrays.fill(axis, amounts[0]);
      }
      return out;
    }
    if (amounts.length != 2 * spatialRank) {
      throw new DelineoException(
          "padding " + this + " has " + amounts.length / 2 + " spatial axes, expected "
              + spatialRank);
    }
    for (int i = 0; i < spatialRank; i++) {
      out[i][0] = amounts[2 * i];
      out[i][1] = amounts[2 * i + 1];
    }
    return out;
  }

  /**
   * This padding, after checking that it fits a layer with {@code spatialRank} spatial axes.
   *
   * @throws DelineoException naming {@code module} if explicit amounts were given for another rank
   */
  Padding checkedFor(String module, int spatialRank) {
    if (isExplicit() && amounts.length != 1 && amounts.length != 2 * spatialRank) {
      throw new DelineoException(
          module + ": padding " + this + " gives " + amounts.length / 2 + " spatial axes, expected "
              + spatialRank);
    }
    return this;
  }

  /**
   * Zeros (before, after) on each spatial axis that a stride-1 convolution with the given effective
   * kernel sizes needs to produce this padding: SAME puts the odd one after, like TF.
   */
  int[][] strideOneAmounts(int... effectiveKernel) {
    if (isExplicit()) {
      return amounts(effectiveKernel.length);
    }
    int[][] out = new int[effectiveKernel.length][2];
    if (isSame()) {
      for (int i = 0; i < out.length; i++) {
        int total = effectiveKernel[i] - 1;
        out[i][0] = total / 2;
        out[i][1] = total - total / 2;
      }
    }
    return out;
  }

  /**
   * This padding for one convolution (dilation 1) of an input with static shape {@code input}: SAME
   * where explicit zero amounts are exactly the ones SAME would pad for that input, kernel and
   * stride, VALID where they are all 0, otherwise this padding unchanged.
   *
   * <p>Why: a {@code Pad} before the convolution is a second copy of the input that the backward
   * pass keeps alive (the filter gradient reads it) beside the unpadded one (the activation before
   * it reads that); SAME pads inside the kernel. The borders are identical zeros, so the result is
   * the same to the last bit.
   *
   * @param input NHWC or NDHWC shape; an unknown spatial size keeps the explicit form, except at
   *     stride 1, where SAME pads k − 1 whatever the size
   * @param stride the stride on every spatial axis
   * @param kernel the kernel size on each spatial axis
   */
  Padding resolvedFor(Shape input, int stride, int... kernel) {
    if (!isExplicit()) {
      return this;
    }
    int[][] explicit = amounts(kernel.length);
    if (Arrays.stream(explicit).flatMapToInt(Arrays::stream).allMatch(a -> a == 0)) {
      return VALID;
    }
    for (int i = 0; i < kernel.length; i++) {
      long n = input.get(i + 1);
      if (n < 0 && stride != 1) {
        return this;
      }
      long out = (n + stride - 1) / stride;
      long total = stride == 1 ? kernel[i] - 1 : Math.max((out - 1) * stride + kernel[i] - n, 0);
      if (explicit[i][0] != total / 2 || explicit[i][1] != total - total / 2) {
        return this;
      }
    }
    return SAME;
  }

  /** {@link #resolvedFor(Shape, int, int...)} for a 2-D convolution with a static [kh, kw, ...] kernel. */
  Padding resolvedFor(Operand<?> input, int stride, Operand<?> kernel) {
    return resolvedFor(input.shape(), stride, (int) kernel.shape().get(0), (int) kernel.shape().get(1));
  }

  /** The TF padding attribute of the convolution that follows {@link #padInput}. */
  String tfPadding() {
    return isSame() ? "SAME" : "VALID";
  }

  /**
   * For explicit padding, the input padded with zeros on its spatial axes (NHWC / NDHWC); for SAME and
   * VALID, the input itself.
   */
  Operand<TFloat32> padInput(Ops tf, Operand<TFloat32> x, int spatialRank) {
    if (!isExplicit()) {
      return x;
    }
    int[][] spatial = amounts(spatialRank);
    int[][] all = new int[spatialRank + 2][2];
    for (int i = 0; i < spatialRank; i++) {
      all[i + 1] = spatial[i];
    }
    return tf.pad(x, tf.constant(all), tf.constant(0f));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Padding p && p.kind == kind && Arrays.equals(p.amounts, amounts);
  }

  @Override
  public int hashCode() {
    return 31 * kind.hashCode() + Arrays.hashCode(amounts);
  }

  @Override
  public String toString() {
    return isExplicit() ? "explicit" + Arrays.toString(amounts) : kind.name();
  }
}
