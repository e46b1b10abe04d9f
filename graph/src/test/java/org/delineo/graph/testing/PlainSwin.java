package org.delineo.graph.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.delineo.graph.testing.PlainSegFormer.FeatureMap;

/**
 * mmseg's Swin Transformer written out in plain Java on one image, independent of TensorFlow and of
 * Delineo's layers: loops over arrays with PyTorch-layout weights (conv OIHW, linear [out, in],
 * {@code relative_position_bias_table} [(2W − 1)², heads]) looked up by their mmseg state-dict names,
 * in double. Maps are [H][W][C] row-major (mmseg's token order).
 *
 * <p>The shifted-window attention is formulated per query instead of by rolling and cutting the
 * map: a query at (y, x) of the zero-padded Hp × Wp map sits at (y − s, x − s) mod (Hp, Wp) after
 * mmseg's roll by −s; it attends to the padded positions that land in the same window there. A key
 * is masked (−100) when exactly one of the two tokens wrapped around a border in the roll, per axis
 * (rolled row ≥ Hp − s): in the rolled map those are the only pairs of one window that were not
 * neighbours, which is what mmseg's 3 × 3 region labels single out. The relative position index
 * follows mmseg's construction ({@code double_step_seq}, sum with the transpose, column flip).
 */
public final class PlainSwin {
  /** {@code nn.LayerNorm}'s default eps, which mmseg's {@code dict(type='LN')} keeps. */
  public static final double EPS = 1e-5;

  private final Map<String, float[]> weights;
  private final PlainSegFormer ops;

  /** @param weights PyTorch-layout arrays (flat, row-major) by full state-dict name */
  public PlainSwin(Map<String, float[]> weights) {
    this.weights = weights;
    this.ops = new PlainSegFormer(weights);
  }

  private float[] w(String name) {
    float[] v = weights.get(name);
    if (v == null) {
      throw new IllegalArgumentException("no weight " + name);
    }
    return v;
  }

  /**
   * {@code SwinTransformer.forward}: patch embedding, then per stage the blocks, the stage's
   * {@code norm{i}} output, and the patch merging into the next stage.
   *
   * @param prefix e.g. {@code "backbone."}
   */
  public List<FeatureMap> swin(FeatureMap image, String prefix, MmsegSwinKeys.Swin m) {
    int p = m.patchSize();
    FeatureMap x = ops.conv(padBottomRight(image, p), prefix + "patch_embed.projection", m.embedDims(), p, p, 0);
    x = ops.layerNorm(x, prefix + "patch_embed.norm", EPS);
    List<FeatureMap> outs = new ArrayList<>();
    for (int i = 0; i < m.depths().length; i++) {
      for (int j = 0; j < m.depths()[i]; j++) {
        x = block(x, prefix + "stages." + i + ".blocks." + j + ".", m.heads()[i], m.window(),
            j % 2 == 1 ? m.window() / 2 : 0);
      }
      outs.add(ops.layerNorm(x, prefix + "norm" + i, EPS));
      if (i < m.depths().length - 1) {
        x = patchMerging(x, prefix + "stages." + i + ".downsample");
      }
    }
    return outs;
  }

  /** {@code SwinBlock.forward}: x + attn(norm1(x)), then that + ffn(norm2(that)). */
  public FeatureMap block(FeatureMap x, String prefix, int heads, int window, int shift) {
    FeatureMap attended = windowAttention(ops.layerNorm(x, prefix + "norm1", EPS), prefix + "attn.w_msa", heads,
        window, shift);
    FeatureMap mid = add(x, attended);
    FeatureMap hidden = PlainSegFormer.gelu(linear(ops.layerNorm(mid, prefix + "norm2", EPS),
        prefix + "ffn.layers.0.0"));
    return add(mid, linear(hidden, prefix + "ffn.layers.1"));
  }

  /** (Shifted) window attention of a normalised map, cropped back to its size (see the class comment). */
  public FeatureMap windowAttention(FeatureMap x, String name, int heads, int window, int shift) {
    int c = x.c();
    int hd = c / heads;
    int hp = (x.h() + window - 1) / window * window;
    int wp = (x.w() + window - 1) / window * window;
    FeatureMap padded = padTo(x, hp, wp);
    FeatureMap qkv = linear(padded, name + ".qkv");
    float[] table = w(name + ".relative_position_bias_table");
    int[] index = mmsegRelativePositionIndex(window);
    int n = window * window;
    double scale = 1 / Math.sqrt(hd);
    double[] mixed = new double[x.h() * x.w() * c];
    for (int y = 0; y < x.h(); y++) {
      for (int xx = 0; xx < x.w(); xx++) {
        int ry = Math.floorMod(y - shift, hp);
        int rx = Math.floorMod(xx - shift, wp);
        int qi = (ry % window) * window + rx % window;
        for (int h = 0; h < heads; h++) {
          double[] logits = new double[n];
          int[] keyY = new int[n];
          int[] keyX = new int[n];
          for (int kj = 0; kj < n; kj++) {
            int kry = ry / window * window + kj / window;
            int krx = rx / window * window + kj % window;
            keyY[kj] = (kry + shift) % hp;
            keyX[kj] = (krx + shift) % wp;
            double dot = 0;
            for (int d = 0; d < hd; d++) {
              dot += qkv.at(y, xx, h * hd + d) * scale * qkv.at(keyY[kj], keyX[kj], c + h * hd + d);
            }
            boolean masked = shift > 0
                && ((ry >= hp - shift) != (kry >= hp - shift) || (rx >= wp - shift) != (krx >= wp - shift));
            logits[kj] = dot + table[index[qi * n + kj] * heads + h] + (masked ? -100 : 0);
          }
          double max = Double.NEGATIVE_INFINITY;
          for (double l : logits) {
            max = Math.max(max, l);
          }
          double sum = 0;
          for (int kj = 0; kj < n; kj++) {
            logits[kj] = Math.exp(logits[kj] - max);
            sum += logits[kj];
          }
          for (int d = 0; d < hd; d++) {
            double s = 0;
            for (int kj = 0; kj < n; kj++) {
              s += logits[kj] / sum * qkv.at(keyY[kj], keyX[kj], 2 * c + h * hd + d);
            }
            mixed[(y * x.w() + xx) * c + h * hd + d] = s;
          }
        }
      }
    }
    return linear(new FeatureMap(x.h(), x.w(), c, mixed), name + ".proj");
  }

  /**
   * mmseg's {@code WindowMSA} index: coords = double_step_seq(2W − 1, W, 1, W) (token (r, c) ↦
   * r·(2W − 1) + c), index = coords[i] + coords[j] flipped along j, i.e. coords[i] + coords[N − 1 − j].
   */
  public static int[] mmsegRelativePositionIndex(int window) {
    int n = window * window;
    int[] coords = new int[n];
    for (int r = 0; r < window; r++) {
      for (int col = 0; col < window; col++) {
        coords[r * window + col] = r * (2 * window - 1) + col;
      }
    }
    int[] index = new int[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        index[i * n + j] = coords[i] + coords[n - 1 - j];
      }
    }
    return index;
  }

  /**
   * {@code PatchMerging}: corner padding to even sizes, {@code nn.Unfold(2, stride=2)} whose
   * feature c·4 + 2·dy + dx is channel c of pixel (dy, dx) of the patch, LN, Linear without bias.
   */
  public FeatureMap patchMerging(FeatureMap x, String name) {
    return linear(ops.layerNorm(unfold2x2(x), name + ".norm", EPS), name + ".reduction");
  }

  /** {@code nn.Unfold(kernel_size=2, stride=2)} after corner padding, as a map of 4C features. */
  public static FeatureMap unfold2x2(FeatureMap x) {
    FeatureMap padded = padBottomRight(x, 2);
    int oh = padded.h() / 2;
    int ow = padded.w() / 2;
    int c = x.c();
    double[] v = new double[oh * ow * 4 * c];
    for (int i = 0; i < oh; i++) {
      for (int j = 0; j < ow; j++) {
        for (int ch = 0; ch < c; ch++) {
          for (int dy = 0; dy < 2; dy++) {
            for (int dx = 0; dx < 2; dx++) {
              v[(i * ow + j) * 4 * c + ch * 4 + dy * 2 + dx] = padded.at(2 * i + dy, 2 * j + dx, ch);
            }
          }
        }
      }
    }
    return new FeatureMap(oh, ow, 4 * c, v);
  }

  /** {@code nn.Linear} with weight [out, in] and optional bias on every token. */
  public FeatureMap linear(FeatureMap x, String name) {
    float[] wt = w(name + ".weight");
    float[] bias = weights.get(name + ".bias");
    int in = x.c();
    int out = wt.length / in;
    double[] v = new double[x.h() * x.w() * out];
    for (int t = 0; t < x.h() * x.w(); t++) {
      for (int o = 0; o < out; o++) {
        double s = bias == null ? 0 : bias[o];
        for (int i = 0; i < in; i++) {
          s += wt[o * in + i] * x.v()[t * in + i];
        }
        v[t * out + o] = s;
      }
    }
    return new FeatureMap(x.h(), x.w(), out, v);
  }

  /** Zero rows and columns appended up to multiples of {@code m}. */
  public static FeatureMap padBottomRight(FeatureMap x, int m) {
    return padTo(x, (x.h() + m - 1) / m * m, (x.w() + m - 1) / m * m);
  }

  private static FeatureMap padTo(FeatureMap x, int h, int w) {
    double[] v = new double[h * w * x.c()];
    for (int y = 0; y < x.h(); y++) {
      for (int xx = 0; xx < x.w(); xx++) {
        for (int ch = 0; ch < x.c(); ch++) {
          v[(y * w + xx) * x.c() + ch] = x.at(y, xx, ch);
        }
      }
    }
    return new FeatureMap(h, w, x.c(), v);
  }

  private static FeatureMap add(FeatureMap a, FeatureMap b) {
    double[] v = new double[a.v().length];
    for (int e = 0; e < v.length; e++) {
      v[e] = a.v()[e] + b.v()[e];
    }
    return new FeatureMap(a.h(), a.w(), a.c(), v);
  }
}
