package org.delineo.training.checkpoint;

import java.util.Arrays;
import java.util.Optional;

/**
 * Converts a PyTorch-layout array to our layout, recognising the layout from the two shapes:
 * <ul>
 *   <li>conv kernels OIHW {@code [O, I, kh, kw]} → HWIO {@code [kh, kw, I, O]};
 *   <li>depthwise kernels {@code [C·m, 1, kh, kw]} → ours {@code [kh, kw, C, m]} (output channel
 *       {@code c·m + q} lands on {@code [.., c, q]}); for {@code I = 1} this is the same map as a
 *       conv, so the two never disagree;
 *   <li>3D kernels OIDHW → DHWIO;
 *   <li>linear weights {@code [out, in]} → {@code [in, out]};
 *   <li>anything whose shape already equals ours (vectors, scalars) is copied.
 * </ul>
 */
public final class PytorchLayout {
  private PytorchLayout() {}

  /** The values in our layout {@code target}, or empty when no rule fits the source's shape. */
  public static Optional<float[]> toOurs(WeightArray source, long[] target) {
    long[] s = source.shape();
    float[] v = source.values();
    if (target.length == 4 && s.length == 4) {
      if (Arrays.equals(s, new long[] {target[3], target[2], target[0], target[1]})) {
        return Optional.of(permute(v, s, new int[] {2, 3, 1, 0}));
      }
      if (Arrays.equals(s, new long[] {target[2] * target[3], 1, target[0], target[1]})) {
        // [C·m, 1, kh, kw] → [kh, kw, C·m] is the conv permutation with I = 1, then C·m splits into [C, m].
        return Optional.of(permute(v, s, new int[] {2, 3, 1, 0}));
      }
    }
    if (target.length == 5 && s.length == 5
        && Arrays.equals(s, new long[] {target[4], target[3], target[0], target[1], target[2]})) {
      return Optional.of(permute(v, s, new int[] {2, 3, 4, 1, 0}));
    }
    if (target.length == 2 && s.length == 2 && s[0] == target[1] && s[1] == target[0]) {
      return Optional.of(permute(v, s, new int[] {1, 0}));
    }
    return Arrays.equals(s, target) ? Optional.of(v.clone()) : Optional.empty();
  }

  /** Row-major transpose: output axis {@code k} is source axis {@code axes[k]}. */
  static float[] permute(float[] v, long[] shape, int[] axes) {
    int n = shape.length;
    long[] outShape = new long[n];
    for (int k = 0; k < n; k++) {
      outShape[k] = shape[axes[k]];
    }
    long[] srcStride = strides(shape);
    float[] out = new float[v.length];
    int[] idx = new int[n];
    for (int o = 0; o < out.length; o++) {
      long src = 0;
      for (int k = 0; k < n; k++) {
        src += idx[k] * srcStride[axes[k]];
      }
      out[o] = v[(int) src];
      for (int k = n - 1; k >= 0; k--) {
        if (++idx[k] < outShape[k]) {
          break;
        }
        idx[k] = 0;
      }
    }
    return out;
  }

  private static long[] strides(long[] shape) {
    long[] s = new long[shape.length];
    long acc = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= shape[i];
    }
    return s;
  }
}
