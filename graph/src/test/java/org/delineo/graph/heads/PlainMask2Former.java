package org.delineo.graph.heads;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An independent plain-Java formulation of Mask2Former's transformer decoder and prediction head
 * (mmdet {@code Mask2FormerHead.forward} / {@code _forward_head}, mmcv {@code MultiheadAttention}
 * and {@code FFN}, PyTorch {@code nn.MultiheadAttention}), in double precision, one sample at a
 * time, with naive loops: attention per head and per query with blocked keys left out of the
 * softmax (a row with every key blocked counts as none blocked), LayerNorm with eps 1e-5, the sine
 * code from its formula, PyTorch's bilinear resize (align_corners=False: source (i + 0.5)·in/out −
 * 0.5, negative sources clamped to 0, the upper neighbour clamped to the last index).
 *
 * <p>Weights are read by our variable names in our layout (linear [in, out], fused in-projection
 * [C, 3C]). Tokens are {@code double[n][C]}, maps {@code double[h][w][C]}.
 */
final class PlainMask2Former {
  private final Map<String, float[]> w;
  private final String head;
  private final int dim;
  private final int heads;
  private final int classes;
  private final int queries;
  private final int layers;
  private final int levels;
  /** The smallest |resized mask logit| seen while drawing attention masks: how far from the threshold. */
  private double thresholdMargin = Double.POSITIVE_INFINITY;
  /** Keys blocked and keys drawn in all masks so far (before full rows are unblocked). */
  private long blockedKeys;
  private long drawnKeys;

  /** One stage's outputs: class logits [Q][K + 1] and mask logits [h][w][Q]. */
  record Prediction(double[][] classLogits, double[][][] maskLogits) {}

  PlainMask2Former(Map<String, float[]> weights, String head, Mask2FormerDecoderConfig c) {
    this.w = weights;
    this.head = head;
    this.dim = c.dim();
    this.heads = c.heads();
    this.classes = c.numClasses();
    this.queries = c.queries();
    this.layers = c.layers();
    this.levels = c.levels();
  }

  double thresholdMargin() {
    return thresholdMargin;
  }

  /** The fraction of keys the masks drawn so far blocked. */
  double blockedFraction() {
    return drawnKeys == 0 ? 0 : (double) blockedKeys / drawnKeys;
  }

  // ---- building blocks ----

  private float[] p(String name) {
    float[] v = w.get(name);
    if (v == null) {
      throw new IllegalArgumentException("no weight " + name);
    }
    return v;
  }

  /** x·W + b with W [in, out] row-major. */
  static double[][] linear(double[][] x, float[] weight, float[] bias, int in, int out) {
    double[][] y = new double[x.length][out];
    for (int n = 0; n < x.length; n++) {
      for (int o = 0; o < out; o++) {
        double s = bias[o];
        for (int i = 0; i < in; i++) {
          s += x[n][i] * weight[i * out + o];
        }
        y[n][o] = s;
      }
    }
    return y;
  }

  static double[][] layerNorm(double[][] x, float[] gamma, float[] beta) {
    double[][] y = new double[x.length][];
    for (int n = 0; n < x.length; n++) {
      int c = x[n].length;
      double mean = 0;
      for (double v : x[n]) {
        mean += v / c;
      }
      double var = 0;
      for (double v : x[n]) {
        var += (v - mean) * (v - mean) / c;
      }
      y[n] = new double[c];
      for (int i = 0; i < c; i++) {
        y[n][i] = (x[n][i] - mean) / Math.sqrt(var + 1e-5) * gamma[i] + beta[i];
      }
    }
    return y;
  }

  static double[][] add(double[][] a, double[][] b) {
    if (b == null) {
      return a;
    }
    double[][] y = new double[a.length][a[0].length];
    for (int n = 0; n < a.length; n++) {
      for (int i = 0; i < a[n].length; i++) {
        y[n][i] = a[n][i] + b[n][i];
      }
    }
    return y;
  }

  static double[][] relu(double[][] x) {
    double[][] y = new double[x.length][];
    for (int n = 0; n < x.length; n++) {
      y[n] = new double[x[n].length];
      for (int i = 0; i < x[n].length; i++) {
        y[n][i] = Math.max(0, x[n][i]);
      }
    }
    return y;
  }

  /** mmcv MultiheadAttention: query + out_proj(MHA(query + qpos, key + kpos, value)). */
  double[][] attention(String name, double[][] query, double[][] key, double[][] value,
      double[][] queryPos, double[][] keyPos, boolean[][] blocked) {
    float[] inW = p(name + ".attn.in_proj_weight"); // [C, 3C]
    float[] inB = p(name + ".attn.in_proj_bias");
    int c = dim;
    double[][] qIn = add(query, queryPos);
    double[][] kIn = add(key, keyPos);
    double[][] q = projectBlock(qIn, inW, inB, 0);
    double[][] k = projectBlock(kIn, inW, inB, 1);
    double[][] v = projectBlock(value, inW, inB, 2);
    int hd = c / heads;
    double[][] mixed = new double[query.length][c];
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < query.length; i++) {
        boolean anyOpen = false;
        for (int j = 0; j < key.length; j++) {
          anyOpen |= blocked == null || !blocked[i][j];
        }
        double[] s = new double[key.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < key.length; j++) {
          if (anyOpen && blocked != null && blocked[i][j]) {
            continue;
          }
          double dot = 0;
          for (int d = 0; d < hd; d++) {
            dot += q[i][h * hd + d] * k[j][h * hd + d];
          }
          s[j] = dot / Math.sqrt(hd);
          max = Math.max(max, s[j]);
        }
        double z = 0;
        double[] e = new double[key.length];
        for (int j = 0; j < key.length; j++) {
          if (anyOpen && blocked != null && blocked[i][j]) {
            continue; // left out of the softmax
          }
          e[j] = Math.exp(s[j] - max);
          z += e[j];
        }
        for (int j = 0; j < key.length; j++) {
          for (int d = 0; d < hd; d++) {
            mixed[i][h * hd + d] += e[j] / z * v[j][h * hd + d];
          }
        }
      }
    }
    double[][] out = linear(mixed, p(name + ".attn.out_proj.weight"), p(name + ".attn.out_proj.bias"), c, c);
    return add(query, out);
  }

  /** Block {@code part} (0 = q, 1 = k, 2 = v) of the fused projection: columns part·C .. part·C + C − 1. */
  private double[][] projectBlock(double[][] x, float[] inW, float[] inB, int part) {
    int c = dim;
    double[][] y = new double[x.length][c];
    for (int n = 0; n < x.length; n++) {
      for (int o = 0; o < c; o++) {
        double s = inB[part * c + o];
        for (int i = 0; i < c; i++) {
          s += x[n][i] * inW[i * 3 * c + part * c + o];
        }
        y[n][o] = s;
      }
    }
    return y;
  }

  /** mmcv FFN: x + fc2(relu(fc1(x))). */
  double[][] ffn(String name, double[][] x) {
    int hidden = p(name + ".layers.0.0.bias").length;
    double[][] h = relu(linear(x, p(name + ".layers.0.0.weight"), p(name + ".layers.0.0.bias"), dim, hidden));
    return add(x, linear(h, p(name + ".layers.1.weight"), p(name + ".layers.1.bias"), hidden, dim));
  }

  /** Mask2FormerTransformerDecoderLayer: cross-attn, norm, self-attn, norm, FFN, norm. */
  double[][] layer(int i, double[][] query, double[][] memory, double[][] queryPos, double[][] memoryPos,
      boolean[][] blocked) {
    String n = head + ".transformer_decoder.layers." + i;
    double[][] q = attention(n + ".cross_attn", query, memory, memory, queryPos, memoryPos, blocked);
    q = layerNorm(q, p(n + ".norms.0.weight"), p(n + ".norms.0.bias"));
    q = attention(n + ".self_attn", q, q, q, queryPos, queryPos, null);
    q = layerNorm(q, p(n + ".norms.1.weight"), p(n + ".norms.1.bias"));
    q = ffn(n + ".ffn", q);
    return layerNorm(q, p(n + ".norms.2.weight"), p(n + ".norms.2.bias"));
  }

  /** _forward_head: post-norm, class logits, mask embedding · mask features. */
  Prediction predict(double[][] query, double[][][] maskFeatures) {
    double[][] x = layerNorm(query, p(head + ".transformer_decoder.post_norm.weight"),
        p(head + ".transformer_decoder.post_norm.bias"));
    double[][] cls = linear(x, p(head + ".cls_embed.weight"), p(head + ".cls_embed.bias"), dim, classes + 1);
    double[][] e = x;
    for (int j = 0; j < 3; j++) {
      if (j > 0) {
        e = relu(e);
      }
      String l = head + ".mask_embed." + (2 * j);
      e = linear(e, p(l + ".weight"), p(l + ".bias"), dim, dim);
    }
    int h = maskFeatures.length;
    int wd = maskFeatures[0].length;
    double[][][] masks = new double[h][wd][queries];
    for (int y = 0; y < h; y++) {
      for (int xx = 0; xx < wd; xx++) {
        for (int q = 0; q < queries; q++) {
          double s = 0;
          for (int c = 0; c < dim; c++) {
            s += e[q][c] * maskFeatures[y][xx][c];
          }
          masks[y][xx][q] = s;
        }
      }
    }
    return new Prediction(cls, masks);
  }

  /** PyTorch bilinear resize, align_corners=False, of one plane. */
  static double[][] resize(double[][] in, int outH, int outW) {
    int inH = in.length;
    int inW = in[0].length;
    double[][] out = new double[outH][outW];
    for (int y = 0; y < outH; y++) {
      double sy = Math.max(0, (y + 0.5) * inH / outH - 0.5);
      int y0 = (int) Math.floor(sy);
      int y1 = Math.min(y0 + 1, inH - 1);
      double ly = sy - y0;
      for (int x = 0; x < outW; x++) {
        double sx = Math.max(0, (x + 0.5) * inW / outW - 0.5);
        int x0 = (int) Math.floor(sx);
        int x1 = Math.min(x0 + 1, inW - 1);
        double lx = sx - x0;
        out[y][x] = (1 - ly) * ((1 - lx) * in[y0][x0] + lx * in[y0][x1])
            + ly * ((1 - lx) * in[y1][x0] + lx * in[y1][x1]);
      }
    }
    return out;
  }

  /** The attention mask [Q][outH·outW] from mask logits [h][w][Q]: resize, sigmoid < 0.5. */
  boolean[][] blocked(double[][][] maskLogits, int outH, int outW) {
    int h = maskLogits.length;
    int wd = maskLogits[0].length;
    boolean[][] out = new boolean[queries][outH * outW];
    for (int q = 0; q < queries; q++) {
      double[][] plane = new double[h][wd];
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < wd; x++) {
          plane[y][x] = maskLogits[y][x][q];
        }
      }
      double[][] r = resize(plane, outH, outW);
      for (int y = 0; y < outH; y++) {
        for (int x = 0; x < outW; x++) {
          thresholdMargin = Math.min(thresholdMargin, Math.abs(r[y][x]));
          out[q][y * outW + x] = 1 / (1 + Math.exp(-r[y][x])) < 0.5;
          blockedKeys += out[q][y * outW + x] ? 1 : 0;
          drawnKeys++;
        }
      }
    }
    return out;
  }

  /** The normalised sine code of an h × w map, numFeats per axis, flattened row-major: [h·w][2·numFeats]. */
  static double[][] sineCode(int h, int w, int numFeats) {
    double[][] out = new double[h * w][2 * numFeats];
    for (int i = 0; i < h; i++) {
      for (int j = 0; j < w; j++) {
        double y = (i + 1) / (h + 1e-6) * 2 * Math.PI;
        double x = (j + 1) / (w + 1e-6) * 2 * Math.PI;
        for (int k = 0; k < numFeats; k++) {
          double d = Math.pow(10000, 2.0 * (k / 2) / numFeats);
          out[i * w + j][k] = k % 2 == 0 ? Math.sin(y / d) : Math.cos(y / d);
          out[i * w + j][numFeats + k] = k % 2 == 0 ? Math.sin(x / d) : Math.cos(x / d);
        }
      }
    }
    return out;
  }

  /** Rows {@code rows} of a [rows, C] table. */
  private double[][] table(String name, int rows) {
    float[] t = p(name);
    double[][] out = new double[rows][dim];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < dim; c++) {
        out[r][c] = t[r * dim + c];
      }
    }
    return out;
  }

  /**
   * The 1 + layers predictions of one sample.
   *
   * @param maskFeatures [h][w][C]
   * @param memories per level [h_l][w_l][C], lowest resolution first
   */
  List<Prediction> forward(double[][][] maskFeatures, List<double[][][]> memories) {
    double[][] levelEmbed = table(head + ".level_embed.weight", levels);
    List<double[][]> tokens = new ArrayList<>();
    List<double[][]> codes = new ArrayList<>();
    for (int l = 0; l < levels; l++) {
      double[][][] m = memories.get(l);
      int h = m.length;
      int wd = m[0].length;
      double[][] t = new double[h * wd][dim];
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < wd; x++) {
          for (int c = 0; c < dim; c++) {
            t[y * wd + x][c] = m[y][x][c] + levelEmbed[l][c];
          }
        }
      }
      tokens.add(t);
      codes.add(sineCode(h, wd, dim / 2));
    }
    double[][] query = table(head + ".query_feat.weight", queries);
    double[][] queryPos = table(head + ".query_embed.weight", queries);
    List<Prediction> out = new ArrayList<>();
    Prediction pred = predict(query, maskFeatures);
    out.add(pred);
    for (int i = 0; i < layers; i++) {
      int level = i % levels;
      double[][][] m = memories.get(level);
      boolean[][] mask = blocked(pred.maskLogits(), m.length, m[0].length);
      query = layer(i, query, tokens.get(level), queryPos, codes.get(level), mask);
      pred = predict(query, maskFeatures);
      out.add(pred);
    }
    return out;
  }
}
