package org.delineo.training.data.augment;

/**
 * One-dimensional resampling along one axis of a row-major array seen as {@code [outer, n, inner]}.
 * Applying it along each spatial axis in turn gives exact bi/trilinear (or nearest) resizing and
 * separable convolution, with a contiguous inner loop.
 */
final class AxisResample {
  private AxisResample() {}

  /**
   * Linear resize from {@code n} to {@code m} samples with half-pixel centres (PyTorch
   * {@code align_corners=False}); sources beyond the edge are clamped to the edge sample.
   */
  static float[] linear(float[] in, int outer, int n, int inner, int m) {
    return linear(in, outer, n, inner, m, 0, m);
  }

  /**
   * Samples {@code [from, from + count)} of the linear resize from {@code n} to {@code m}: the same
   * values as the whole resize's, without computing the rest (a crop of a rescaled image).
   */
  static float[] linear(float[] in, int outer, int n, int inner, int m, int from, int count) {
    float[] out = new float[outer * count * inner];
    double ratio = (double) n / m;
    for (int o = from; o < from + count; o++) {
      double src = Math.max(0.0, (o + 0.5) * ratio - 0.5);
      int i0 = Math.min((int) src, n - 1);
      int i1 = Math.min(i0 + 1, n - 1);
      float wt = (float) (src - i0);
      if (i0 == n - 1) {
        wt = 0f;
      }
      for (int a = 0; a < outer; a++) {
        int p0 = (a * n + i0) * inner;
        int p1 = (a * n + i1) * inner;
        int q = (a * count + o - from) * inner;
        for (int k = 0; k < inner; k++) {
          out[q + k] = in[p0 + k] + wt * (in[p1 + k] - in[p0 + k]);
        }
      }
    }
    return out;
  }

  /** Nearest-neighbour resize from {@code n} to {@code m}: output {@code o} reads the input sample whose cell holds {@code o}'s centre. */
  static int[] nearest(int[] in, int outer, int n, int inner, int m) {
    return nearest(in, outer, n, inner, m, 0, m);
  }

  /** Samples {@code [from, from + count)} of the nearest-neighbour resize from {@code n} to {@code m}. */
  static int[] nearest(int[] in, int outer, int n, int inner, int m, int from, int count) {
    int[] out = new int[outer * count * inner];
    for (int o = from; o < from + count; o++) {
      int src = Math.min((int) Math.floor((o + 0.5) * n / m), n - 1);
      for (int a = 0; a < outer; a++) {
        System.arraycopy(in, (a * n + src) * inner, out, (a * count + o - from) * inner, inner);
      }
    }
    return out;
  }

  /** Samples {@code [from, from + count)} along the axis, unchanged (a crop without resizing). */
  static float[] slice(float[] in, int outer, int n, int inner, int from, int count) {
    float[] out = new float[outer * count * inner];
    for (int a = 0; a < outer; a++) {
      System.arraycopy(in, (a * n + from) * inner, out, a * count * inner, count * inner);
    }
    return out;
  }

  /**
   * Convolution with an odd, centred kernel; samples beyond the edge repeat the edge sample, so a
   * constant image stays constant.
   */
  static float[] convolve(float[] in, int outer, int n, int inner, float[] kernel) {
    float[] out = new float[in.length];
    int r = kernel.length / 2;
    for (int a = 0; a < outer; a++) {
      for (int o = 0; o < n; o++) {
        int q = (a * n + o) * inner;
        for (int t = -r; t <= r; t++) {
          int i = Math.min(Math.max(o + t, 0), n - 1);
          float kv = kernel[t + r];
          int p = (a * n + i) * inner;
          for (int k = 0; k < inner; k++) {
            out[q + k] += kv * in[p + k];
          }
        }
      }
    }
    return out;
  }

  /** {@code [outer, n, inner]} factorisation of internal axis {@code axis} of {@code dhw} with {@code inner} trailing values per voxel. */
  static int[] split(int[] dhw, int axis, int perVoxel) {
    int outer = 1;
    for (int i = 0; i < axis; i++) {
      outer *= dhw[i];
    }
    int inner = perVoxel;
    for (int i = axis + 1; i < 3; i++) {
      inner *= dhw[i];
    }
    return new int[] {outer, dhw[axis], inner};
  }
}
