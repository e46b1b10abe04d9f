package org.delineo.graph.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.delineo.graph.testing.PlainSegFormer.FeatureMap;

/**
 * Plain-Java, double-precision mmdet {@code MSDeformAttnPixelDecoder.forward} (one image), written
 * from mmdet's code and the formulas of its parts: input convs (1 × 1 conv with bias + GroupNorm),
 * the sine position code of mmdet's {@code SinePositionalEncoding} (normalised, scale 2π, eps 1e-6,
 * temperature 10000, y part then x part, sin/cos interleaved) plus the level embedding, reference
 * points at the pixel centres, the deformable encoder ({@link PlainDeformableAttention}), the
 * lateral conv + GN, PyTorch bilinear upsampling with align_corners=False
 * ({@link PlainSegFormer#bilinear}), the 3 × 3 output conv + GN + ReLU and the 1 × 1 mask_feature
 * conv. Weights are a PyTorch state dict (conv OIHW, linear [out, in]) by name.
 */
public final class PlainPixelDecoder {
  private final Map<String, float[]> weights;
  private final PlainSegFormer convs;
  private final PlainDeformableAttention attention;

  /** The decoder's outputs: mask features and mmdet's {@code multi_scale_features}. */
  public record Output(FeatureMap maskFeatures, List<FeatureMap> multiScaleFeatures) {}

  public PlainPixelDecoder(Map<String, float[]> weights) {
    this.weights = weights;
    this.convs = new PlainSegFormer(weights);
    this.attention = new PlainDeformableAttention(weights);
  }

  /**
   * @param feats the backbone levels, highest resolution first
   * @param prefix module path with a trailing dot
   */
  public Output decode(List<FeatureMap> feats, String prefix, int c, int out, int levels, int layers, int heads,
      int points, int hidden, int groups, int numOuts) {
    int count = feats.size();
    int[][] sizes = new int[levels][];
    List<double[]> tokens = new ArrayList<>();
    List<double[]> codes = new ArrayList<>();
    List<double[]> refs = new ArrayList<>();
    int total = 0;
    float[] levelEmbed = weights.get(prefix + "level_encoding.weight");
    for (int i = 0; i < levels; i++) {
      FeatureMap feat = feats.get(count - 1 - i);
      FeatureMap x = groupNorm(convs.conv(feat, prefix + "input_convs." + i + ".conv", c, 1, 1, 0),
          prefix + "input_convs." + i + ".gn", groups);
      sizes[i] = new int[] {x.h(), x.w()};
      double[] code = sine(x.h(), x.w(), c / 2);
      for (int t = 0; t < x.h() * x.w(); t++) {
        for (int ch = 0; ch < c; ch++) {
          code[t * c + ch] += levelEmbed[i * c + ch];
        }
      }
      double[] ref = new double[x.h() * x.w() * 2];
      for (int y = 0; y < x.h(); y++) {
        for (int xx = 0; xx < x.w(); xx++) {
          ref[(y * x.w() + xx) * 2] = (xx + 0.5) / x.w();
          ref[(y * x.w() + xx) * 2 + 1] = (y + 0.5) / x.h();
        }
      }
      tokens.add(x.v());
      codes.add(code);
      refs.add(ref);
      total += x.h() * x.w();
    }
    double[] memory = concat(tokens);
    double[] pos = concat(codes);
    double[] single = concat(refs);
    // mmdet repeats each token's point over the levels: [1, S, L, 2].
    double[] reference = new double[total * levels * 2];
    for (int t = 0; t < total; t++) {
      for (int l = 0; l < levels; l++) {
        reference[(t * levels + l) * 2] = single[t * 2];
        reference[(t * levels + l) * 2 + 1] = single[t * 2 + 1];
      }
    }
    for (int k = 0; k < layers; k++) {
      memory = attention.encoderLayer(prefix + "encoder.layers." + k + ".", memory, pos, reference, 1, total, c,
          heads, sizes, points, hidden);
    }
    List<FeatureMap> outs = new ArrayList<>();
    int start = 0;
    for (int[] hw : sizes) {
      double[] v = new double[hw[0] * hw[1] * c];
      System.arraycopy(memory, start * c, v, 0, v.length);
      outs.add(new FeatureMap(hw[0], hw[1], c, v));
      start += hw[0] * hw[1];
    }
    for (int i = count - levels - 1; i >= 0; i--) {
      FeatureMap lateral = groupNorm(convs.conv(feats.get(i), prefix + "lateral_convs." + i + ".conv", c, 1, 1, 0),
          prefix + "lateral_convs." + i + ".gn", groups);
      FeatureMap up = PlainSegFormer.bilinear(outs.get(outs.size() - 1), lateral.h(), lateral.w());
      double[] sum = lateral.v().clone();
      for (int e = 0; e < sum.length; e++) {
        sum[e] += up.v()[e];
      }
      FeatureMap y = groupNorm(convs.conv(new FeatureMap(lateral.h(), lateral.w(), c, sum),
          prefix + "output_convs." + i + ".conv", c, 3, 1, 1), prefix + "output_convs." + i + ".gn", groups);
      double[] relu = y.v().clone();
      for (int e = 0; e < relu.length; e++) {
        relu[e] = Math.max(0, relu[e]);
      }
      outs.add(new FeatureMap(y.h(), y.w(), c, relu));
    }
    FeatureMap mask = convs.conv(outs.get(outs.size() - 1), prefix + "mask_feature", out, 1, 1, 0);
    return new Output(mask, outs.subList(0, Math.min(numOuts, outs.size())));
  }

  /**
   * mmdet's normalised sine code of an h × w map without padding, [h·w, 2·feats]: positions
   * y = i / (h + 1e-6)·2π and x = j / (w + 1e-6)·2π for i = 1..h, j = 1..w; with
   * d_k = 10000^(2·⌊k/2⌋ / feats), channel k &lt; feats is sin(y / d_k) (k even) or cos(y / d_k) (k
   * odd), channel feats + k the same of x.
   */
  public static double[] sine(int h, int w, int feats) {
    double[] out = new double[h * w * 2 * feats];
    for (int i = 0; i < h; i++) {
      for (int j = 0; j < w; j++) {
        double y = (i + 1) / (h + 1e-6) * 2 * Math.PI;
        double x = (j + 1) / (w + 1e-6) * 2 * Math.PI;
        for (int k = 0; k < feats; k++) {
          double d = Math.pow(10000, 2.0 * (k / 2) / feats);
          int at = (i * w + j) * 2 * feats;
          out[at + k] = k % 2 == 0 ? Math.sin(y / d) : Math.cos(y / d);
          out[at + feats + k] = k % 2 == 0 ? Math.sin(x / d) : Math.cos(x / d);
        }
      }
    }
    return out;
  }

  /** PyTorch GroupNorm (eps 1e-5) with {@code name.weight} and {@code name.bias}. */
  public FeatureMap groupNorm(FeatureMap x, String name, int groups) {
    float[] g = weights.get(name + ".weight");
    float[] b = weights.get(name + ".bias");
    int per = x.c() / groups;
    int pixels = x.h() * x.w();
    double[] v = new double[x.v().length];
    for (int group = 0; group < groups; group++) {
      double mean = 0;
      for (int p = 0; p < pixels; p++) {
        for (int ch = group * per; ch < (group + 1) * per; ch++) {
          mean += x.v()[p * x.c() + ch];
        }
      }
      mean /= (double) pixels * per;
      double var = 0;
      for (int p = 0; p < pixels; p++) {
        for (int ch = group * per; ch < (group + 1) * per; ch++) {
          double d = x.v()[p * x.c() + ch] - mean;
          var += d * d;
        }
      }
      var /= (double) pixels * per;
      for (int p = 0; p < pixels; p++) {
        for (int ch = group * per; ch < (group + 1) * per; ch++) {
          v[p * x.c() + ch] = (x.v()[p * x.c() + ch] - mean) / Math.sqrt(var + 1e-5) * g[ch] + b[ch];
        }
      }
    }
    return new FeatureMap(x.h(), x.w(), x.c(), v);
  }

  private static double[] concat(List<double[]> parts) {
    int n = 0;
    for (double[] p : parts) {
      n += p.length;
    }
    double[] out = new double[n];
    int at = 0;
    for (double[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
