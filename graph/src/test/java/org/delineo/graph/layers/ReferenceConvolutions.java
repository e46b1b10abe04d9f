package org.delineo.graph.layers;

/**
 * Convolutions written as plain loops over row-major NHWC / NDHWC arrays: the independent reference
 * the layer tests compare TF's output with. Padding is given as the amount before each axis and the
 * output size; everything outside the input reads as zero.
 */
final class ReferenceConvolutions {
  private ReferenceConvolutions() {}

  /** TF's SAME output size and padding before, for one axis: out = ceil(in / s). */
  static int[] sameOutAndPadBefore(int in, int effectiveKernel, int stride) {
    int out = (in + stride - 1) / stride;
    int total = Math.max((out - 1) * stride + effectiveKernel - in, 0);
    return new int[] {out, total / 2};
  }

  /**
   * y[b,i,j,o] = Σ x[b, i·s − pt + a·d, j·s − pl + e·d, c] · k[a,e,c,o] with kernel HWIO
   * [kh, kw, c, co].
   */
  static float[] conv2d(
      float[] x, int n, int h, int w, int c, float[] k, int kh, int kw, int co, int stride,
      int dilation, int padTop, int padLeft, int oh, int ow) {
    float[] y = new float[n * oh * ow * co];
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          for (int o = 0; o < co; o++) {
            double sum = 0;
            for (int a = 0; a < kh; a++) {
              int r = i * stride - padTop + a * dilation;
              for (int e = 0; e < kw; e++) {
                int q = j * stride - padLeft + e * dilation;
                if (r < 0 || r >= h || q < 0 || q >= w) {
                  continue;
                }
                for (int ci = 0; ci < c; ci++) {
                  sum += x[((b * h + r) * w + q) * c + ci] * k[((a * kw + e) * c + ci) * co + o];
                }
              }
            }
            y[((b * oh + i) * ow + j) * co + o] = (float) sum;
          }
        }
      }
    }
    return y;
  }

  /**
   * Depthwise: y[b,i,j,c·m + q] = Σ x[b, i·s − pt + a·d, j·s − pl + e·d, c] · k[a,e,c,q], kernel
   * [kh, kw, c, m].
   */
  static float[] depthwise2d(
      float[] x, int n, int h, int w, int c, float[] k, int kh, int kw, int m, int stride,
      int dilation, int padTop, int padLeft, int oh, int ow) {
    float[] y = new float[n * oh * ow * c * m];
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          for (int ci = 0; ci < c; ci++) {
            for (int q = 0; q < m; q++) {
              double sum = 0;
              for (int a = 0; a < kh; a++) {
                int r = i * stride - padTop + a * dilation;
                for (int e = 0; e < kw; e++) {
                  int col = j * stride - padLeft + e * dilation;
                  if (r >= 0 && r < h && col >= 0 && col < w) {
                    sum += x[((b * h + r) * w + col) * c + ci] * k[((a * kw + e) * c + ci) * m + q];
                  }
                }
              }
              y[((b * oh + i) * ow + j) * c * m + ci * m + q] = (float) sum;
            }
          }
        }
      }
    }
    return y;
  }

  /** 3-D: input [n, d, h, w, c], kernel DHWIO [kd, kh, kw, c, co], output [n, od, oh, ow, co]. */
  static float[] conv3d(
      float[] x, int[] in, float[] k, int[] kernel, int co, int stride, int[] padBefore, int[] out) {
    int n = in[0];
    int d = in[1];
    int h = in[2];
    int w = in[3];
    int c = in[4];
    int od = out[0];
    int oh = out[1];
    int ow = out[2];
    float[] y = new float[n * od * oh * ow * co];
    for (int b = 0; b < n; b++) {
      for (int z = 0; z < od; z++) {
        for (int i = 0; i < oh; i++) {
          for (int j = 0; j < ow; j++) {
            for (int o = 0; o < co; o++) {
              double sum = 0;
              for (int t = 0; t < kernel[0]; t++) {
                int zz = z * stride - padBefore[0] + t;
                for (int a = 0; a < kernel[1]; a++) {
                  int r = i * stride - padBefore[1] + a;
                  for (int e = 0; e < kernel[2]; e++) {
                    int q = j * stride - padBefore[2] + e;
                    if (zz < 0 || zz >= d || r < 0 || r >= h || q < 0 || q >= w) {
                      continue;
                    }
                    for (int ci = 0; ci < c; ci++) {
                      sum += x[(((b * d + zz) * h + r) * w + q) * c + ci]
                          * k[(((t * kernel[1] + a) * kernel[2] + e) * c + ci) * co + o];
                    }
                  }
                }
              }
              y[(((b * od + z) * oh + i) * ow + j) * co + o] = (float) sum;
            }
          }
        }
      }
    }
    return y;
  }

  /**
   * Transposed 2-D convolution as a scatter-add: every input pixel adds x[b,i,j,c] · k[a,e,o,c] to
   * full-size output position (i·s + a, j·s + e); the result is the full output cropped from
   * (cropTop, cropLeft) to oh × ow. Kernel [kh, kw, co, c].
   */
  static float[] convTranspose2d(
      float[] x, int n, int h, int w, int c, float[] k, int kh, int kw, int co, int stride,
      int cropTop, int cropLeft, int oh, int ow) {
    int fh = (h - 1) * stride + kh;
    int fw = (w - 1) * stride + kw;
    double[] full = new double[n * fh * fw * co];
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < h; i++) {
        for (int j = 0; j < w; j++) {
          for (int ci = 0; ci < c; ci++) {
            float v = x[((b * h + i) * w + j) * c + ci];
            for (int a = 0; a < kh; a++) {
              for (int e = 0; e < kw; e++) {
                for (int o = 0; o < co; o++) {
                  full[((b * fh + i * stride + a) * fw + j * stride + e) * co + o] +=
                      v * k[((a * kw + e) * co + o) * c + ci];
                }
              }
            }
          }
        }
      }
    }
    float[] y = new float[n * oh * ow * co];
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          for (int o = 0; o < co; o++) {
            y[((b * oh + i) * ow + j) * co + o] =
                (float) full[((b * fh + i + cropTop) * fw + j + cropLeft) * co + o];
          }
        }
      }
    }
    return y;
  }

  /**
   * Transposed 3-D convolution as a scatter-add, kernel [kd, kh, kw, co, c], cropped from
   * {@code cropBefore} to {@code out} (od, oh, ow).
   */
  static float[] convTranspose3d(
      float[] x, int[] in, float[] k, int[] kernel, int co, int stride, int[] cropBefore,
      int[] out) {
    int n = in[0];
    int c = in[4];
    int[] full = new int[3];
    for (int a = 0; a < 3; a++) {
      full[a] = (in[a + 1] - 1) * stride + kernel[a];
    }
    double[] acc = new double[n * full[0] * full[1] * full[2] * co];
    for (int b = 0; b < n; b++) {
      for (int z = 0; z < in[1]; z++) {
        for (int i = 0; i < in[2]; i++) {
          for (int j = 0; j < in[3]; j++) {
            for (int ci = 0; ci < c; ci++) {
              float v = x[(((b * in[1] + z) * in[2] + i) * in[3] + j) * c + ci];
              for (int t = 0; t < kernel[0]; t++) {
                for (int a = 0; a < kernel[1]; a++) {
                  for (int e = 0; e < kernel[2]; e++) {
                    for (int o = 0; o < co; o++) {
                      int pos = (((b * full[0] + z * stride + t) * full[1] + i * stride + a) * full[2]
                          + j * stride + e) * co + o;
                      acc[pos] += v * k[((((t * kernel[1] + a) * kernel[2] + e) * co + o) * c) + ci];
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    float[] y = new float[n * out[0] * out[1] * out[2] * co];
    for (int b = 0; b < n; b++) {
      for (int z = 0; z < out[0]; z++) {
        for (int i = 0; i < out[1]; i++) {
          for (int j = 0; j < out[2]; j++) {
            for (int o = 0; o < co; o++) {
              int src = (((b * full[0] + z + cropBefore[0]) * full[1] + i + cropBefore[1]) * full[2]
                  + j + cropBefore[2]) * co + o;
              y[(((b * out[0] + z) * out[1] + i) * out[2] + j) * co + o] = (float) acc[src];
            }
          }
        }
      }
    }
    return y;
  }
}
