package org.delineo.graph.backbones;

import java.util.Map;

/**
 * mmseg 1.x {@code HRModule} fuse written out in plain Java on one image (maps [H][W][C], row-major
 * in a flat array), independent of TensorFlow: PyTorch 1×1 / 3×3 convs (HWIO weights, zero
 * padding), inference batch norm, and {@code F.interpolate(mode='bilinear', align_corners=False)}
 * from PyTorch's source-index formula. The expected values of {@link HrModuleFuseTest}.
 */
final class PlainHrFuse {
  /** PyTorch's BatchNorm2d default. */
  private static final double EPS = 1e-5;

  /** One feature map of one image. */
  record FeatureMap(int h, int w, int c, double[] v) {
    double at(int y, int x, int ch) {
      return v[(y * w + x) * c + ch];
    }
  }

  private final String module;
  private final Map<String, float[]> weights;

  /**
   * @param module the module's name (variable prefix)
   * @param weights every variable of the module by its full name, HWIO for convs
   */
  PlainHrFuse(String module, Map<String, float[]> weights) {
    this.module = module;
    this.weights = weights;
  }

  /** Output i of the fuse: ReLU(Σ_j path_ij(x_j)), as mmseg's {@code HRModule.forward}. */
  FeatureMap output(FeatureMap[] x, int i, int[] channels) {
    FeatureMap target = x[i];
    double[] sum = target.v().clone();
    for (int j = 0; j < x.length; j++) {
      FeatureMap y;
      String base = module + ".fuse_layers." + i + "." + j;
      if (j == i) {
        continue;
      } else if (j > i) {
        // fuse_layers[i][j] = conv1x1, BN, Upsample(scale 2^(j−i), bilinear, align_corners False);
        // then forward() resizes to x[i]'s size (bilinear, align_corners False).
        y = bn(conv(x[j], base + ".0.weight", 1, channels[i], 1, 0), base + ".1");
        int f = 1 << (j - i);
        y = bilinear(bilinear(y, y.h() * f, y.w() * f), target.h(), target.w());
      } else {
        y = x[j];
        for (int k = 0; k < i - j; k++) {
          boolean last = k == i - j - 1;
          String step = base + "." + k;
          y = bn(conv(y, step + ".0.weight", 3, last ? channels[i] : channels[j], 2, 1), step + ".1");
          if (!last) {
            y = relu(y);
          }
        }
      }
      for (int e = 0; e < sum.length; e++) {
        sum[e] += y.v()[e];
      }
    }
    return relu(new FeatureMap(target.h(), target.w(), target.c(), sum));
  }

  private FeatureMap conv(FeatureMap x, String name, int k, int out, int stride, int pad) {
    float[] wt = weights.get(name);
    int oh = (x.h() + 2 * pad - k) / stride + 1;
    int ow = (x.w() + 2 * pad - k) / stride + 1;
    double[] v = new double[oh * ow * out];
    for (int oy = 0; oy < oh; oy++) {
      for (int ox = 0; ox < ow; ox++) {
        for (int o = 0; o < out; o++) {
          double s = 0;
          for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
              int iy = oy * stride - pad + ky;
              int ix = ox * stride - pad + kx;
              if (iy < 0 || ix < 0 || iy >= x.h() || ix >= x.w()) {
                continue;
              }
              for (int ci = 0; ci < x.c(); ci++) {
                s += x.at(iy, ix, ci) * wt[((ky * k + kx) * x.c() + ci) * out + o];
              }
            }
          }
          v[(oy * ow + ox) * out + o] = s;
        }
      }
    }
    return new FeatureMap(oh, ow, out, v);
  }

  private FeatureMap bn(FeatureMap x, String name) {
    float[] gamma = weights.get(name + ".weight");
    float[] beta = weights.get(name + ".bias");
    float[] mean = weights.get(name + ".running_mean");
    float[] var = weights.get(name + ".running_var");
    double[] v = new double[x.v().length];
    for (int e = 0; e < v.length; e++) {
      int ch = e % x.c();
      v[e] = (x.v()[e] - mean[ch]) / Math.sqrt(var[ch] + EPS) * gamma[ch] + beta[ch];
    }
    return new FeatureMap(x.h(), x.w(), x.c(), v);
  }

  private static FeatureMap relu(FeatureMap x) {
    double[] v = x.v().clone();
    for (int e = 0; e < v.length; e++) {
      v[e] = Math.max(0, v[e]);
    }
    return new FeatureMap(x.h(), x.w(), x.c(), v);
  }

  /**
   * PyTorch's {@code upsample_bilinear2d} with align_corners=False and an explicit output size:
   * scale = in / out, src = max((dst + 0.5)·scale − 0.5, 0), neighbours floor(src) and
   * min(floor(src) + 1, in − 1), weight src − floor(src).
   */
  static FeatureMap bilinear(FeatureMap x, int oh, int ow) {
    double[] v = new double[oh * ow * x.c()];
    for (int oy = 0; oy < oh; oy++) {
      double sy = Math.max((oy + 0.5) * x.h() / oh - 0.5, 0);
      int y0 = (int) sy;
      int y1 = Math.min(y0 + 1, x.h() - 1);
      double ly = sy - y0;
      for (int ox = 0; ox < ow; ox++) {
        double sx = Math.max((ox + 0.5) * x.w() / ow - 0.5, 0);
        int x0 = (int) sx;
        int x1 = Math.min(x0 + 1, x.w() - 1);
        double lx = sx - x0;
        for (int ch = 0; ch < x.c(); ch++) {
          v[(oy * ow + ox) * x.c() + ch] =
              (1 - ly) * ((1 - lx) * x.at(y0, x0, ch) + lx * x.at(y0, x1, ch))
                  + ly * ((1 - lx) * x.at(y1, x0, ch) + lx * x.at(y1, x1, ch));
        }
      }
    }
    return new FeatureMap(oh, ow, x.c(), v);
  }
}
