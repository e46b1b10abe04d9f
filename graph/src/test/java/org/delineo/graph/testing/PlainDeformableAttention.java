package org.delineo.graph.testing;

import java.util.Map;

/**
 * Plain-Java, double-precision multi-scale deformable attention as mmcv and mmdet define it, written
 * with one loop per query, head, level and point from the documented formulas (mmcv
 * {@code multi_scale_deformable_attn_pytorch} and {@code MultiScaleDeformableAttention.forward},
 * mmdet {@code DeformableDetrTransformerEncoderLayer}), on PyTorch-layout weights (linear
 * [out, in]) given by state-dict name. Arrays are row-major; tokens are [N, T, C].
 */
public final class PlainDeformableAttention {
  private final Map<String, float[]> weights;

  /** @param weights PyTorch state dict: name → values in PyTorch layout */
  public PlainDeformableAttention(Map<String, float[]> weights) {
    this.weights = weights;
  }

  /**
   * mmcv's sampling core: out[n, q, h·D + d] = Σ_l Σ_p A[n, q, h, l, p] · grid_sample of level l's
   * map of head h at loc[n, q, h, l, p], each bilinear read done by {@link ReferenceGridSample} on
   * that one map and point.
   *
   * @param value [n, s, heads, depth]
   * @param sizes (H_l, W_l) per level, levels in token order
   * @param loc [n, q, heads, L, P, 2]
   * @param attn [n, q, heads, L, P]
   * @return [n, q, heads·depth]
   */
  public static double[] sample(float[] value, int n, int heads, int depth, int[][] sizes, float[] loc, int q,
      int points, float[] attn) {
    int levels = sizes.length;
    int s = 0;
    for (int[] hw : sizes) {
      s += hw[0] * hw[1];
    }
    double[] out = new double[n * q * heads * depth];
    for (int b = 0; b < n; b++) {
      for (int h = 0; h < heads; h++) {
        int start = 0;
        for (int l = 0; l < levels; l++) {
          int lh = sizes[l][0];
          int lw = sizes[l][1];
          // Level l's map of head h as a [1, H, W, D] grid_sample input.
          float[] map = new float[lh * lw * depth];
          for (int t = 0; t < lh * lw; t++) {
            for (int d = 0; d < depth; d++) {
              map[t * depth + d] = value[((b * s + start + t) * heads + h) * depth + d];
            }
          }
          for (int k = 0; k < q; k++) {
            for (int p = 0; p < points; p++) {
              int at = (((b * q + k) * heads + h) * levels + l) * points + p;
              float[] point = {loc[at * 2], loc[at * 2 + 1]};
              double[] read = ReferenceGridSample.sample(map, 1, lh, lw, depth, point, 1);
              for (int d = 0; d < depth; d++) {
                out[((b * q + k) * heads + h) * depth + d] += attn[at] * read[d];
              }
            }
          }
          start += lh * lw;
        }
      }
    }
    return out;
  }

  /**
   * mmcv's {@code MultiScaleDeformableAttention.forward} (batch_first, 2-D reference points, no
   * padding mask, dropout 0), residual included.
   *
   * @param prefix module path with a trailing dot, e.g. {@code "attn."}
   * @param query [n, q, c]
   * @param pos [n, q, c] or null
   * @param value [n, s, c]
   * @param reference [n, q, L, 2]
   */
  public double[] attention(String prefix, double[] query, double[] pos, double[] value, double[] reference, int n,
      int q, int c, int heads, int[][] sizes, int points) {
    int levels = sizes.length;
    int s = value.length / (n * c);
    double[] withPos = query.clone();
    if (pos != null) {
      for (int i = 0; i < withPos.length; i++) {
        withPos[i] += pos[i];
      }
    }
    double[] v = linear(value, n * s, c, prefix + "value_proj", c);
    double[] offsets = linear(withPos, n * q, c, prefix + "sampling_offsets", heads * levels * points * 2);
    double[] logits = linear(withPos, n * q, c, prefix + "attention_weights", heads * levels * points);
    float[] loc = new float[n * q * heads * levels * points * 2];
    float[] attn = new float[n * q * heads * levels * points];
    for (int b = 0; b < n; b++) {
      for (int k = 0; k < q; k++) {
        for (int h = 0; h < heads; h++) {
          // Softmax over the L·P logits of this query and head.
          int first = ((b * q + k) * heads + h) * levels * points;
          double max = Double.NEGATIVE_INFINITY;
          for (int i = 0; i < levels * points; i++) {
            max = Math.max(max, logits[first + i]);
          }
          double sum = 0;
          for (int i = 0; i < levels * points; i++) {
            sum += Math.exp(logits[first + i] - max);
          }
          for (int i = 0; i < levels * points; i++) {
            attn[first + i] = (float) (Math.exp(logits[first + i] - max) / sum);
          }
          for (int l = 0; l < levels; l++) {
            for (int p = 0; p < points; p++) {
              int at = first + l * points + p;
              int ref = ((b * q + k) * levels + l) * 2;
              // Offsets are in pixels of level l: divided by (W_l, H_l).
              loc[at * 2] = (float) (reference[ref] + offsets[at * 2] / sizes[l][1]);
              loc[at * 2 + 1] = (float) (reference[ref + 1] + offsets[at * 2 + 1] / sizes[l][0]);
            }
          }
        }
      }
    }
    float[] vf = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      vf[i] = (float) v[i];
    }
    double[] sampled = sample(vf, n, heads, c / heads, sizes, loc, q, points, attn);
    double[] out = linear(sampled, n * q, c, prefix + "output_proj", c);
    for (int i = 0; i < out.length; i++) {
      out[i] += query[i];
    }
    return out;
  }

  /**
   * mmdet's {@code DeformableDetrTransformerEncoderLayer} (post-norm): self-attention on the
   * queries with their positions, {@code norms.0}, the FFN with its residual ({@code ffn.layers.0.0},
   * ReLU, {@code ffn.layers.1}), {@code norms.1} (LayerNorm eps 1e-5).
   */
  public double[] encoderLayer(String prefix, double[] query, double[] pos, double[] reference, int n, int q, int c,
      int heads, int[][] sizes, int points, int hidden) {
    double[] x = attention(prefix + "self_attn.", query, pos, query, reference, n, q, c, heads, sizes, points);
    x = layerNorm(x, n * q, c, prefix + "norms.0");
    double[] inner = linear(x, n * q, c, prefix + "ffn.layers.0.0", hidden);
    for (int i = 0; i < inner.length; i++) {
      inner[i] = Math.max(0, inner[i]);
    }
    double[] y = linear(inner, n * q, hidden, prefix + "ffn.layers.1", c);
    for (int i = 0; i < y.length; i++) {
      y[i] += x[i];
    }
    return layerNorm(y, n * q, c, prefix + "norms.1");
  }

  /** x·Wᵀ + b with W [out, in] ({@code name.weight}) and b ({@code name.bias}). */
  public double[] linear(double[] x, int rows, int in, String name, int out) {
    float[] w = weights.get(name + ".weight");
    float[] bias = weights.get(name + ".bias");
    double[] y = new double[rows * out];
    for (int r = 0; r < rows; r++) {
      for (int o = 0; o < out; o++) {
        double sum = bias == null ? 0 : bias[o];
        for (int i = 0; i < in; i++) {
          sum += x[r * in + i] * w[o * in + i];
        }
        y[r * out + o] = sum;
      }
    }
    return y;
  }

  /** LayerNorm over the last axis, eps 1e-5, {@code name.weight} and {@code name.bias}. */
  public double[] layerNorm(double[] x, int rows, int c, String name) {
    float[] g = weights.get(name + ".weight");
    float[] b = weights.get(name + ".bias");
    double[] y = new double[x.length];
    for (int r = 0; r < rows; r++) {
      double mean = 0;
      for (int i = 0; i < c; i++) {
        mean += x[r * c + i];
      }
      mean /= c;
      double var = 0;
      for (int i = 0; i < c; i++) {
        var += (x[r * c + i] - mean) * (x[r * c + i] - mean);
      }
      var /= c;
      for (int i = 0; i < c; i++) {
        y[r * c + i] = (x[r * c + i] - mean) / Math.sqrt(var + 1e-5) * g[i] + b[i];
      }
    }
    return y;
  }
}
