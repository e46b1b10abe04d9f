package org.delineo.graph.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * mmseg 1.2.2's MiT backbone and SegFormer head written out in plain Java on one image, independent
 * of TensorFlow and of Delineo's layers: loops over arrays with PyTorch-layout weights (conv OIHW,
 * depthwise [C, 1, k, k], {@code nn.MultiheadAttention}'s fused {@code in_proj_weight} [3C, C],
 * linear [out, in]) looked up by their mmseg state-dict names. Maps are [H][W][C] row-major, which
 * is also mmseg's token order (NLC). Everything is computed in double.
 */
public final class PlainSegFormer {
  private final Map<String, float[]> weights;

  /** One feature map of one image; {@code v[(y·w + x)·c + ch]}. */
  public record FeatureMap(int h, int w, int c, double[] v) {
    public double at(int y, int x, int ch) {
      return v[(y * w + x) * c + ch];
    }
  }

  /** @param weights PyTorch-layout arrays (flat, row-major) by full state-dict name */
  public PlainSegFormer(Map<String, float[]> weights) {
    this.weights = weights;
  }

  private float[] w(String name) {
    float[] v = weights.get(name);
    if (v == null) {
      throw new IllegalArgumentException("no weight " + name);
    }
    return v;
  }

  // ---- MiT ----

  /**
   * {@code MixVisionTransformer.forward}: per stage, patch embedding, the blocks, the stage norm.
   *
   * @param prefix e.g. {@code "backbone."}
   */
  public List<FeatureMap> mit(FeatureMap image, String prefix, MmsegSegFormerKeys.Mit m, double eps) {
    List<FeatureMap> outs = new ArrayList<>();
    FeatureMap x = image;
    for (int i = 0; i < m.dims().length; i++) {
      String p = prefix + "layers." + i + ".";
      int k = m.patchSizes()[i];
      int stride = i == 0 ? 4 : 2; // mmseg's strides [4, 2, 2, 2], which no MiT config changes
      x = layerNorm(conv(x, p + "0.projection", m.dims()[i], k, stride, k / 2), p + "0.norm", eps);
      for (int j = 0; j < m.layers()[i]; j++) {
        x = block(x, p + "1." + j + ".", m.heads()[i], m.srRatios()[i], eps);
      }
      x = layerNorm(x, p + "2", eps);
      outs.add(x);
    }
    return outs;
  }

  /** {@code TransformerEncoderLayer}: x = attn(norm1(x), identity=x); x = ffn(norm2(x), identity=x). */
  public FeatureMap block(FeatureMap x, String prefix, int heads, int sr, double eps) {
    FeatureMap y = efficientAttention(layerNorm(x, prefix + "norm1", eps), x, prefix + "attn", heads, sr, eps);
    return mixFfn(layerNorm(y, prefix + "norm2", eps), y, prefix + "ffn");
  }

  /**
   * {@code EfficientMultiheadAttention.forward}: keys/values from sr(x) + LN when sr > 1, PyTorch's
   * multi-head attention (head h uses columns h·d..(h+1)·d − 1 of q, k, v), out_proj, plus identity.
   */
  public FeatureMap efficientAttention(FeatureMap x, FeatureMap identity, String name, int heads, int sr,
      double eps) {
    int c = x.c();
    FeatureMap kv = sr > 1 ? layerNorm(conv(x, name + ".sr", c, sr, sr, 0), name + ".norm", eps) : x;
    float[] wIn = w(name + ".attn.in_proj_weight");
    float[] bIn = w(name + ".attn.in_proj_bias");
    int n = x.h() * x.w();
    int m = kv.h() * kv.w();
    double[][] q = project(x.v(), n, c, wIn, bIn, 0);
    double[][] k = project(kv.v(), m, c, wIn, bIn, c);
    double[][] v = project(kv.v(), m, c, wIn, bIn, 2 * c);
    int d = c / heads;
    double[][] attended = new double[n][c];
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < n; i++) {
        double[] logits = new double[m];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < m; j++) {
          double s = 0;
          for (int e = 0; e < d; e++) {
            s += q[i][h * d + e] * k[j][h * d + e];
          }
          logits[j] = s / Math.sqrt(d);
          max = Math.max(max, logits[j]);
        }
        double z = 0;
        for (int j = 0; j < m; j++) {
          logits[j] = Math.exp(logits[j] - max);
          z += logits[j];
        }
        for (int j = 0; j < m; j++) {
          for (int e = 0; e < d; e++) {
            attended[i][h * d + e] += logits[j] / z * v[j][h * d + e];
          }
        }
      }
    }
    float[] wOut = w(name + ".attn.out_proj.weight");
    float[] bOut = w(name + ".attn.out_proj.bias");
    double[] out = identity.v().clone();
    for (int i = 0; i < n; i++) {
      for (int o = 0; o < c; o++) {
        double s = bOut[o];
        for (int e = 0; e < c; e++) {
          s += attended[i][e] * wOut[o * c + e];
        }
        out[i * c + o] += s;
      }
    }
    return new FeatureMap(x.h(), x.w(), c, out);
  }

  /** Rows {@code offset..offset+C−1} of the fused [3C, C] projection applied to every token. */
  private static double[][] project(double[] tokens, int count, int c, float[] w, float[] b, int offset) {
    double[][] out = new double[count][c];
    for (int t = 0; t < count; t++) {
      for (int o = 0; o < c; o++) {
        double s = b[offset + o];
        for (int e = 0; e < c; e++) {
          s += tokens[t * c + e] * w[(offset + o) * c + e];
        }
        out[t][o] = s;
      }
    }
    return out;
  }

  /** {@code MixFFN.forward}: fc1 (1×1), depthwise 3×3 (pad 1), GELU, fc2 (1×1), plus identity. */
  public FeatureMap mixFfn(FeatureMap x, FeatureMap identity, String name) {
    int hidden = weights.get(name + ".layers.0.bias").length;
    FeatureMap h = gelu(depthwise(conv(x, name + ".layers.0", hidden, 1, 1, 0), name + ".layers.1", 3, 1));
    FeatureMap y = conv(h, name + ".layers.4", x.c(), 1, 1, 0);
    double[] out = identity.v().clone();
    for (int e = 0; e < out.length; e++) {
      out[e] += y.v()[e];
    }
    return new FeatureMap(x.h(), x.w(), x.c(), out);
  }

  // ---- SegFormer head (eval mode: BN with running statistics, no dropout) ----

  /**
   * {@code SegformerHead.forward}: ConvModule(1×1, BN, ReLU) per level, bilinear (align_corners
   * false) to level 0's size, concatenation in level order, fusion ConvModule, conv_seg.
   */
  public FeatureMap segformerHead(List<FeatureMap> levels, String prefix, int channels, int numClasses) {
    FeatureMap first = levels.get(0);
    List<FeatureMap> outs = new ArrayList<>();
    for (int i = 0; i < levels.size(); i++) {
      FeatureMap y = convModule(levels.get(i), prefix + "convs." + i, channels);
      outs.add(bilinear(y, first.h(), first.w()));
    }
    FeatureMap cat = concat(outs);
    FeatureMap fused = convModule(cat, prefix + "fusion_conv", channels);
    return conv(fused, prefix + "conv_seg", numClasses, 1, 1, 0);
  }

  /** mmcv ConvModule: conv (no bias) → BatchNorm2d with running statistics (eps 1e-5) → ReLU. */
  public FeatureMap convModule(FeatureMap x, String name, int out) {
    FeatureMap y = conv(x, name + ".conv", out, 1, 1, 0);
    float[] gamma = w(name + ".bn.weight");
    float[] beta = w(name + ".bn.bias");
    float[] mean = w(name + ".bn.running_mean");
    float[] var = w(name + ".bn.running_var");
    double[] v = new double[y.v().length];
    for (int e = 0; e < v.length; e++) {
      int ch = e % out;
      v[e] = Math.max(0, (y.v()[e] - mean[ch]) / Math.sqrt(var[ch] + 1e-5) * gamma[ch] + beta[ch]);
    }
    return new FeatureMap(y.h(), y.w(), out, v);
  }

  /** Channel concatenation of maps of equal size, in list order. */
  public static FeatureMap concat(List<FeatureMap> maps) {
    int h = maps.get(0).h();
    int w = maps.get(0).w();
    int c = maps.stream().mapToInt(FeatureMap::c).sum();
    double[] v = new double[h * w * c];
    for (int p = 0; p < h * w; p++) {
      int offset = 0;
      for (FeatureMap m : maps) {
        System.arraycopy(m.v(), p * m.c(), v, p * c + offset, m.c());
        offset += m.c();
      }
    }
    return new FeatureMap(h, w, c, v);
  }

  // ---- layers ----

  /**
   * PyTorch {@code Conv2d} with OIHW weight {@code name.weight}, optional {@code name.bias}, zero
   * padding {@code pad} on every side: out size floor((H + 2·pad − k) / stride) + 1.
   */
  public FeatureMap conv(FeatureMap x, String name, int out, int k, int stride, int pad) {
    float[] wt = w(name + ".weight");
    float[] bias = weights.get(name + ".bias");
    int in = x.c();
    int oh = (x.h() + 2 * pad - k) / stride + 1;
    int ow = (x.w() + 2 * pad - k) / stride + 1;
    double[] v = new double[oh * ow * out];
    for (int oy = 0; oy < oh; oy++) {
      for (int ox = 0; ox < ow; ox++) {
        for (int o = 0; o < out; o++) {
          double s = bias == null ? 0 : bias[o];
          for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
              int iy = oy * stride - pad + ky;
              int ix = ox * stride - pad + kx;
              if (iy < 0 || ix < 0 || iy >= x.h() || ix >= x.w()) {
                continue;
              }
              for (int ci = 0; ci < in; ci++) {
                s += x.at(iy, ix, ci) * wt[((o * in + ci) * k + ky) * k + kx];
              }
            }
          }
          v[(oy * ow + ox) * out + o] = s;
        }
      }
    }
    return new FeatureMap(oh, ow, out, v);
  }

  /** Depthwise {@code Conv2d(groups=C)}, weight [C, 1, k, k] and bias [C], stride 1. */
  public FeatureMap depthwise(FeatureMap x, String name, int k, int pad) {
    float[] wt = w(name + ".weight");
    float[] bias = w(name + ".bias");
    int c = x.c();
    double[] v = new double[x.v().length];
    for (int y = 0; y < x.h(); y++) {
      for (int xx = 0; xx < x.w(); xx++) {
        for (int ch = 0; ch < c; ch++) {
          double s = bias[ch];
          for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
              int iy = y - pad + ky;
              int ix = xx - pad + kx;
              if (iy >= 0 && ix >= 0 && iy < x.h() && ix < x.w()) {
                s += x.at(iy, ix, ch) * wt[(ch * k + ky) * k + kx];
              }
            }
          }
          v[(y * x.w() + xx) * c + ch] = s;
        }
      }
    }
    return new FeatureMap(x.h(), x.w(), c, v);
  }

  /** {@code nn.LayerNorm(C, eps)} over each token's channels (biased variance). */
  public FeatureMap layerNorm(FeatureMap x, String name, double eps) {
    float[] gamma = w(name + ".weight");
    float[] beta = w(name + ".bias");
    int c = x.c();
    double[] v = new double[x.v().length];
    for (int t = 0; t < x.h() * x.w(); t++) {
      double mean = 0;
      for (int ch = 0; ch < c; ch++) {
        mean += x.v()[t * c + ch];
      }
      mean /= c;
      double var = 0;
      for (int ch = 0; ch < c; ch++) {
        double d = x.v()[t * c + ch] - mean;
        var += d * d;
      }
      var /= c;
      for (int ch = 0; ch < c; ch++) {
        v[t * c + ch] = (x.v()[t * c + ch] - mean) / Math.sqrt(var + eps) * gamma[ch] + beta[ch];
      }
    }
    return new FeatureMap(x.h(), x.w(), c, v);
  }

  /** {@code nn.GELU()}: x·Φ(x) = 0.5·x·(1 + erf(x / √2)). */
  public static FeatureMap gelu(FeatureMap x) {
    double[] v = new double[x.v().length];
    for (int e = 0; e < v.length; e++) {
      double a = x.v()[e];
      v[e] = 0.5 * a * (1 + erf(a / Math.sqrt(2)));
    }
    return new FeatureMap(x.h(), x.w(), x.c(), v);
  }

  /**
   * erf by its Maclaurin series for |x| < 3 (largest term about 3e3, so rounding stays near 1e-12)
   * and by four terms of the asymptotic series of erfc beyond (error below 1e-8 there).
   */
  public static double erf(double x) {
    double a = Math.abs(x);
    double r;
    if (a < 3) {
      double term = a;
      double sum = a;
      for (int n = 1; n < 80; n++) {
        term *= -a * a / n;
        sum += term / (2 * n + 1);
      }
      r = 2 / Math.sqrt(Math.PI) * sum;
    } else {
      double inv = 1 / (2 * a * a);
      double series = 1 - inv + 3 * inv * inv - 15 * inv * inv * inv + 105 * inv * inv * inv * inv;
      r = 1 - Math.exp(-a * a) / (a * Math.sqrt(Math.PI)) * series;
    }
    return Math.signum(x) * r;
  }

  /**
   * PyTorch's {@code upsample_bilinear2d} with align_corners=False and an explicit output size:
   * scale = in / out, src = max((dst + 0.5)·scale − 0.5, 0), neighbours floor(src) and
   * min(floor(src) + 1, in − 1), weight src − floor(src).
   */
  public static FeatureMap bilinear(FeatureMap x, int oh, int ow) {
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
