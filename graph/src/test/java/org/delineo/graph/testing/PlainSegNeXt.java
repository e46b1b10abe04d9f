package org.delineo.graph.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * SegNeXt (mmseg 1.2.2 {@code MSCAN} + {@code LightHamHead}) written out in plain Java from the
 * PyTorch source, independent of TensorFlow and of Delineo's layers: one image at a time in
 * PyTorch's NCHW layout, weights taken by their mmseg state-dict names in PyTorch's layout
 * (conv kernels [O, I / groups, kh, kw], vectors as they are). Everything is computed in double.
 * Inference semantics: batch norms use their running statistics, dropout and drop-path are off.
 *
 * <p>The expected values of the SegNeXt forward-equivalence tests (graph and training modules).
 */
public final class PlainSegNeXt {
  /** PyTorch's default eps of BatchNorm2d, LayerNorm and GroupNorm. */
  private static final double NORM_EPS = 1e-5;
  /** ham_head.py's constant in the NMF update denominators. */
  private static final double NMF_EPS = 1e-6;

  /** One feature map of one image, NCHW: value (c, y, x) at {@code v[(c·h + y)·w + x]}. */
  public record Map3(int c, int h, int w, double[] v) {
    public double at(int ch, int y, int x) {
      return v[(ch * h + y) * w + x];
    }

    /** A map from floats in the same layout. */
    public static Map3 of(int c, int h, int w, float[] values, int offset) {
      double[] v = new double[c * h * w];
      for (int i = 0; i < v.length; i++) {
        v[i] = values[offset + i];
      }
      return new Map3(c, h, w, v);
    }

    /** The values in NHWC order (what a TF graph of one image returns). */
    public double[] toNhwc() {
      double[] out = new double[v.length];
      for (int ch = 0; ch < c; ch++) {
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            out[(y * w + x) * c + ch] = at(ch, y, x);
          }
        }
      }
      return out;
    }
  }

  private final Map<String, float[]> stateDict;

  /** @param stateDict every parameter and buffer by its mmseg name, PyTorch layout */
  public PlainSegNeXt(Map<String, float[]> stateDict) {
    this.stateDict = stateDict;
  }

  // ---- MSCAN (mmseg/models/backbones/mscan.py) ----

  /** MSCAN.forward: each stage's patch embedding, blocks and LayerNorm; outputs finest first. */
  public List<Map3> backbone(Map3 image, String prefix, int[] embedDims, int[] depths, int[] mlpRatios,
      int square, int[] strips) {
    List<Map3> outs = new ArrayList<>();
    Map3 x = image;
    for (int i = 0; i < embedDims.length; i++) {
      String s = prefix + ".patch_embed" + (i + 1);
      if (i == 0) {
        // StemConv: proj.0 conv 3x3/2 p1 -> proj.1 BN -> GELU -> proj.3 conv 3x3/2 p1 -> proj.4 BN.
        x = gelu(batchNorm(conv(x, s + ".proj.0", embedDims[0] / 2, 3, 3, 2, 1, 1, 1, true), s + ".proj.1"));
        x = batchNorm(conv(x, s + ".proj.3", embedDims[0], 3, 3, 2, 1, 1, 1, true), s + ".proj.4");
      } else {
        // OverlapPatchEmbed(patch_size 3, stride 2): proj (padding 1) -> norm (BN).
        x = batchNorm(conv(x, s + ".proj", embedDims[i], 3, 3, 2, 1, 1, 1, true), s + ".norm");
      }
      for (int j = 0; j < depths[i]; j++) {
        x = block(x, prefix + ".block" + (i + 1) + "." + j, mlpRatios[i], square, strips);
      }
      x = layerNorm(x, prefix + ".norm" + (i + 1));
      outs.add(x);
    }
    return outs;
  }

  /** MSCABlock.forward in eval: x + ls1·attn(norm1(x)), then + ls2·mlp(norm2(x)). */
  public Map3 block(Map3 x, String prefix, int mlpRatio, int square, int[] strips) {
    Map3 a = spatialAttention(batchNorm(x, prefix + ".norm1"), prefix + ".attn", square, strips);
    x = add(x, scale(a, vec(prefix + ".layer_scale_1")));
    Map3 m = mlp(batchNorm(x, prefix + ".norm2"), prefix + ".mlp", x.c() * mlpRatio);
    return add(x, scale(m, vec(prefix + ".layer_scale_2")));
  }

  /** MSCASpatialAttention.forward: proj_1 -> GELU -> spatial_gating_unit -> proj_2, + shortcut. */
  public Map3 spatialAttention(Map3 x, String prefix, int square, int[] strips) {
    Map3 y = gelu(conv(x, prefix + ".proj_1", x.c(), 1, 1, 1, 0, 0, 1, true));
    y = mscaAttention(y, prefix + ".spatial_gating_unit", square, strips);
    return add(conv(y, prefix + ".proj_2", x.c(), 1, 1, 1, 0, 0, 1, true), x);
  }

  /**
   * MSCAAttention.forward: conv0 (k x k depthwise, padding k // 2); per strip i conv{i}_1 (1 x s,
   * padding (0, s // 2)) then conv{i}_2 (s x 1, padding (s // 2, 0)) on conv0's output; the sum
   * through conv3 (1 x 1); times the input.
   */
  public Map3 mscaAttention(Map3 x, String prefix, int square, int[] strips) {
    int c = x.c();
    Map3 attn = conv(x, prefix + ".conv0", c, square, square, 1, square / 2, square / 2, c, true);
    Map3 sum = attn;
    for (int i = 0; i < strips.length; i++) {
      int s = strips[i];
      Map3 branch = conv(attn, prefix + ".conv" + i + "_1", c, 1, s, 1, 0, s / 2, c, true);
      branch = conv(branch, prefix + ".conv" + i + "_2", c, s, 1, 1, s / 2, 0, c, true);
      sum = add(sum, branch);
    }
    return mul(conv(sum, prefix + ".conv3", c, 1, 1, 1, 0, 0, 1, true), x);
  }

  /** Mlp.forward: fc1 -> dwconv (3 x 3 depthwise, padding 1) -> GELU -> fc2. */
  public Map3 mlp(Map3 x, String prefix, int hidden) {
    Map3 h = conv(x, prefix + ".fc1", hidden, 1, 1, 1, 0, 0, 1, true);
    h = gelu(conv(h, prefix + ".dwconv", hidden, 3, 3, 1, 1, 1, hidden, true));
    return conv(h, prefix + ".fc2", x.c(), 1, 1, 1, 0, 0, 1, true);
  }

  // ---- LightHamHead (mmseg/models/decode_heads/ham_head.py) ----

  /**
   * LightHamHead.forward in eval: the levels {@code inIndex} resized (bilinear, align_corners
   * False) to the first one's size and concatenated -> squeeze -> Hamburger (NMF from
   * {@code bases} [D][R], {@code steps} updates) -> align -> conv_seg. Returns the logits map.
   */
  public Map3 head(List<Map3> features, String prefix, int[] inIndex, int hamChannels, int channels, int groups,
      int numClasses, double[][] bases, int steps) {
    Map3 first = features.get(inIndex[0]);
    List<Map3> parts = new ArrayList<>();
    for (int i : inIndex) {
      parts.add(bilinear(features.get(i), first.h(), first.w()));
    }
    Map3 x = concat(parts);
    x = relu(groupNorm(conv(x, prefix + ".squeeze.conv", hamChannels, 1, 1, 1, 0, 0, 1, false),
        prefix + ".squeeze.gn", groups));
    // Hamburger: ham_in (conv with bias, no norm) -> ReLU -> NMF2D -> ham_out (conv + GN) -> ReLU(x + .).
    Map3 enjoy = relu(conv(x, prefix + ".hamburger.ham_in.conv", hamChannels, 1, 1, 1, 0, 0, 1, true));
    enjoy = nmfMap(enjoy, bases, steps);
    enjoy = groupNorm(conv(enjoy, prefix + ".hamburger.ham_out.conv", hamChannels, 1, 1, 1, 0, 0, 1, false),
        prefix + ".hamburger.ham_out.gn", groups);
    x = relu(add(x, enjoy));
    x = relu(groupNorm(conv(x, prefix + ".align.conv", channels, 1, 1, 1, 0, 0, 1, false),
        prefix + ".align.gn", groups));
    return conv(x, prefix + ".conv_seg", numClasses, 1, 1, 1, 0, 0, 1, true);
  }

  /** NMF2D.forward on one map with S = 1: x.view(D, N), factorise, bases @ coefᵀ back to (C, H, W). */
  public static Map3 nmfMap(Map3 x, double[][] bases, int steps) {
    int n = x.h() * x.w();
    double[][] m = new double[x.c()][n];
    for (int d = 0; d < x.c(); d++) {
      System.arraycopy(x.v(), d * n, m[d], 0, n);
    }
    double[][] out = nmf(m, bases, steps);
    double[] v = new double[x.v().length];
    for (int d = 0; d < x.c(); d++) {
      System.arraycopy(out[d], 0, v, d * n, n);
    }
    return new Map3(x.c(), x.h(), x.w(), v);
  }

  /**
   * Matrix_Decomposition_2D_Base.forward with NMF2D's steps, on X [D][N] from bases [D][R]:
   * coef = softmax(Xᵀ·bases) (inv_t 1); {@code steps} local steps (coef, then bases); one more
   * coef update (compute_coef); returns bases·coefᵀ [D][N].
   */
  public static double[][] nmf(double[][] x, double[][] bases0, int steps) {
    int d = x.length;
    int n = x[0].length;
    int r = bases0[0].length;
    double[][] bases = new double[d][];
    for (int i = 0; i < d; i++) {
      bases[i] = bases0[i].clone();
    }
    double[][] coef = matTransposeA(x, bases); // [N][R]
    for (double[] row : coef) {
      double max = Double.NEGATIVE_INFINITY;
      for (double v : row) {
        max = Math.max(max, v);
      }
      double z = 0;
      for (int k = 0; k < r; k++) {
        row[k] = Math.exp(row[k] - max);
        z += row[k];
      }
      for (int k = 0; k < r; k++) {
        row[k] /= z;
      }
    }
    for (int s = 0; s < steps; s++) {
      coef = coefUpdate(x, bases, coef);
      double[][] num = matMul(x, coef); // X·coef [D][R]
      double[][] den = matMul(bases, matTransposeA(coef, coef)); // bases·(coefᵀ·coef)
      for (int i = 0; i < d; i++) {
        for (int k = 0; k < r; k++) {
          bases[i][k] = bases[i][k] * num[i][k] / (den[i][k] + NMF_EPS);
        }
      }
    }
    coef = coefUpdate(x, bases, coef);
    double[][] out = new double[d][n];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < n; j++) {
        double acc = 0;
        for (int k = 0; k < r; k++) {
          acc += bases[i][k] * coef[j][k];
        }
        out[i][j] = acc;
      }
    }
    return out;
  }

  private static double[][] coefUpdate(double[][] x, double[][] bases, double[][] coef) {
    double[][] num = matTransposeA(x, bases); // Xᵀ·bases [N][R]
    double[][] den = matMul(coef, matTransposeA(bases, bases)); // coef·(basesᵀ·bases)
    double[][] out = new double[coef.length][coef[0].length];
    for (int j = 0; j < out.length; j++) {
      for (int k = 0; k < out[0].length; k++) {
        out[j][k] = coef[j][k] * num[j][k] / (den[j][k] + NMF_EPS);
      }
    }
    return out;
  }

  /** aᵀ·b for a [K][M], b [K][P]: [M][P]. */
  private static double[][] matTransposeA(double[][] a, double[][] b) {
    double[][] out = new double[a[0].length][b[0].length];
    for (int k = 0; k < a.length; k++) {
      for (int i = 0; i < a[0].length; i++) {
        for (int j = 0; j < b[0].length; j++) {
          out[i][j] += a[k][i] * b[k][j];
        }
      }
    }
    return out;
  }

  /** a·b for a [M][K], b [K][P]. */
  private static double[][] matMul(double[][] a, double[][] b) {
    double[][] out = new double[a.length][b[0].length];
    for (int i = 0; i < a.length; i++) {
      for (int k = 0; k < b.length; k++) {
        for (int j = 0; j < b[0].length; j++) {
          out[i][j] += a[i][k] * b[k][j];
        }
      }
    }
    return out;
  }

  // ---- PyTorch primitives ----

  /**
   * nn.Conv2d: weight {@code prefix.weight} [out, in / groups, kh, kw], bias {@code prefix.bias},
   * zero padding (ph, pw), the given stride and groups.
   */
  public Map3 conv(Map3 x, String prefix, int out, int kh, int kw, int stride, int ph, int pw, int groups,
      boolean bias) {
    float[] w = vec(prefix + ".weight");
    float[] b = bias ? vec(prefix + ".bias") : null;
    int inPerGroup = x.c() / groups;
    int outPerGroup = out / groups;
    if (w.length != out * inPerGroup * kh * kw) {
      throw new IllegalArgumentException(prefix + ".weight: expected " + out * inPerGroup * kh * kw
          + " values, found " + w.length);
    }
    int oh = (x.h() + 2 * ph - kh) / stride + 1;
    int ow = (x.w() + 2 * pw - kw) / stride + 1;
    double[] v = new double[out * oh * ow];
    for (int o = 0; o < out; o++) {
      int g = o / outPerGroup;
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          double acc = b == null ? 0 : b[o];
          for (int ci = 0; ci < inPerGroup; ci++) {
            int c = g * inPerGroup + ci;
            for (int u = 0; u < kh; u++) {
              int y = i * stride + u - ph;
              if (y < 0 || y >= x.h()) {
                continue;
              }
              for (int t = 0; t < kw; t++) {
                int xx = j * stride + t - pw;
                if (xx < 0 || xx >= x.w()) {
                  continue;
                }
                acc += w[((o * inPerGroup + ci) * kh + u) * kw + t] * x.at(c, y, xx);
              }
            }
          }
          v[(o * oh + i) * ow + j] = acc;
        }
      }
    }
    return new Map3(out, oh, ow, v);
  }

  /** BatchNorm2d in eval: (x − running_mean) / sqrt(running_var + eps) · weight + bias. */
  public Map3 batchNorm(Map3 x, String prefix) {
    float[] mean = vec(prefix + ".running_mean");
    float[] var = vec(prefix + ".running_var");
    float[] w = vec(prefix + ".weight");
    float[] b = vec(prefix + ".bias");
    double[] v = new double[x.v().length];
    int hw = x.h() * x.w();
    for (int c = 0; c < x.c(); c++) {
      double s = w[c] / Math.sqrt(var[c] + NORM_EPS);
      for (int p = 0; p < hw; p++) {
        v[c * hw + p] = (x.v()[c * hw + p] - mean[c]) * s + b[c];
      }
    }
    return new Map3(x.c(), x.h(), x.w(), v);
  }

  /** nn.LayerNorm(C) applied to the (N, H·W, C) tokens: each pixel normalised over its channels. */
  public Map3 layerNorm(Map3 x, String prefix) {
    float[] w = vec(prefix + ".weight");
    float[] b = vec(prefix + ".bias");
    double[] v = new double[x.v().length];
    int hw = x.h() * x.w();
    for (int p = 0; p < hw; p++) {
      double mean = 0;
      for (int c = 0; c < x.c(); c++) {
        mean += x.v()[c * hw + p];
      }
      mean /= x.c();
      double var = 0;
      for (int c = 0; c < x.c(); c++) {
        double dlt = x.v()[c * hw + p] - mean;
        var += dlt * dlt;
      }
      var /= x.c();
      for (int c = 0; c < x.c(); c++) {
        v[c * hw + p] = (x.v()[c * hw + p] - mean) / Math.sqrt(var + NORM_EPS) * w[c] + b[c];
      }
    }
    return new Map3(x.c(), x.h(), x.w(), v);
  }

  /** nn.GroupNorm(groups, C): statistics over each group's channels and all pixels. */
  public Map3 groupNorm(Map3 x, String prefix, int groups) {
    float[] w = vec(prefix + ".weight");
    float[] b = vec(prefix + ".bias");
    int per = x.c() / groups;
    int hw = x.h() * x.w();
    double[] v = new double[x.v().length];
    for (int g = 0; g < groups; g++) {
      int from = g * per * hw;
      int to = from + per * hw;
      double mean = 0;
      for (int i = from; i < to; i++) {
        mean += x.v()[i];
      }
      mean /= to - from;
      double var = 0;
      for (int i = from; i < to; i++) {
        var += (x.v()[i] - mean) * (x.v()[i] - mean);
      }
      var /= to - from;
      for (int i = from; i < to; i++) {
        int c = i / hw;
        v[i] = (x.v()[i] - mean) / Math.sqrt(var + NORM_EPS) * w[c] + b[c];
      }
    }
    return new Map3(x.c(), x.h(), x.w(), v);
  }

  /**
   * F.interpolate(mode='bilinear', align_corners=False) to (oh, ow): source index
   * max((i + 0.5)·in/out − 0.5, 0), neighbours clamped to the last row / column.
   */
  public static Map3 bilinear(Map3 x, int oh, int ow) {
    double[] v = new double[x.c() * oh * ow];
    for (int c = 0; c < x.c(); c++) {
      for (int i = 0; i < oh; i++) {
        double sy = Math.max((i + 0.5) * x.h() / oh - 0.5, 0);
        int y0 = (int) sy;
        int y1 = Math.min(y0 + 1, x.h() - 1);
        double ly = sy - y0;
        for (int j = 0; j < ow; j++) {
          double sx = Math.max((j + 0.5) * x.w() / ow - 0.5, 0);
          int x0 = (int) sx;
          int x1 = Math.min(x0 + 1, x.w() - 1);
          double lx = sx - x0;
          v[(c * oh + i) * ow + j] = (1 - ly) * ((1 - lx) * x.at(c, y0, x0) + lx * x.at(c, y0, x1))
              + ly * ((1 - lx) * x.at(c, y1, x0) + lx * x.at(c, y1, x1));
        }
      }
    }
    return new Map3(x.c(), oh, ow, v);
  }

  /** torch.cat(dim=1) of maps of one size. */
  public static Map3 concat(List<Map3> parts) {
    int c = parts.stream().mapToInt(Map3::c).sum();
    Map3 f = parts.get(0);
    double[] v = new double[c * f.h() * f.w()];
    int at = 0;
    for (Map3 p : parts) {
      System.arraycopy(p.v(), 0, v, at, p.v().length);
      at += p.v().length;
    }
    return new Map3(c, f.h(), f.w(), v);
  }

  /** nn.GELU(): x·Φ(x) = 0.5·x·(1 + erf(x / √2)). */
  public static Map3 gelu(Map3 x) {
    double[] v = new double[x.v().length];
    for (int i = 0; i < v.length; i++) {
      v[i] = 0.5 * x.v()[i] * (1 + erf(x.v()[i] / Math.sqrt(2)));
    }
    return new Map3(x.c(), x.h(), x.w(), v);
  }

  public static Map3 relu(Map3 x) {
    double[] v = new double[x.v().length];
    for (int i = 0; i < v.length; i++) {
      v[i] = Math.max(x.v()[i], 0);
    }
    return new Map3(x.c(), x.h(), x.w(), v);
  }

  public static Map3 add(Map3 a, Map3 b) {
    double[] v = new double[a.v().length];
    for (int i = 0; i < v.length; i++) {
      v[i] = a.v()[i] + b.v()[i];
    }
    return new Map3(a.c(), a.h(), a.w(), v);
  }

  public static Map3 mul(Map3 a, Map3 b) {
    double[] v = new double[a.v().length];
    for (int i = 0; i < v.length; i++) {
      v[i] = a.v()[i] * b.v()[i];
    }
    return new Map3(a.c(), a.h(), a.w(), v);
  }

  /** x · s[c] per channel (the layer scales' unsqueeze(-1).unsqueeze(-1) broadcast). */
  private static Map3 scale(Map3 x, float[] s) {
    double[] v = new double[x.v().length];
    int hw = x.h() * x.w();
    for (int i = 0; i < v.length; i++) {
      v[i] = x.v()[i] * s[i / hw];
    }
    return new Map3(x.c(), x.h(), x.w(), v);
  }

  /**
   * erf(x) = (2/√π)·e^{−x²}·Σ_{n≥0} 2ⁿ·x^{2n+1} / (1·3···(2n+1)): every term has the sign of x, so
   * the sum has no cancellation; converged to double precision for |x| < 6, ±1 beyond.
   */
  public static double erf(double x) {
    if (Math.abs(x) >= 6) {
      return Math.signum(x);
    }
    double term = x;
    double sum = x;
    for (int n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= 2 * x * x / (2 * n + 1);
      sum += term;
    }
    return 2 / Math.sqrt(Math.PI) * Math.exp(-x * x) * sum;
  }

  private float[] vec(String name) {
    float[] v = stateDict.get(name);
    if (v == null) {
      throw new IllegalArgumentException("state dict has no '" + name + "'");
    }
    return v;
  }
}
