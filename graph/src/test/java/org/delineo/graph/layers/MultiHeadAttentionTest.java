package org.delineo.graph.layers;

import static org.delineo.graph.layers.LayerTesting.assertClose;
import static org.delineo.graph.layers.LayerTesting.placeholder;
import static org.delineo.graph.layers.LayerTesting.read;
import static org.delineo.graph.layers.LayerTesting.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.Mode;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

class MultiHeadAttentionTest {
  private static final double FORWARD_TOL = 1e-5;
  private static final double GRAD_TOL = GradientCheck.DEFAULT_TOLERANCE; // 1e-2 scaled error, eps 5e-3
  private static final int D = 4;
  private static final int HEADS = 2;
  private static final List<String> PARAMS =
      List.of("q.weight", "q.bias", "k.weight", "k.bias", "v.weight", "v.bias", "proj.weight", "proj.bias");

  @Test
  void selfAttentionMatchesJavaLoopWithSessionWeights() {
    float[] x = uniform(3 * D, 61, -3, 3);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 1);
      Operand<TFloat32> in = placeholder(ctx, 1, 3, D);
      Operand<TFloat32> y = new MultiHeadAttention("attn", D, HEADS).apply(ctx, in);
      assertEquals(Shape.of(1, 3, D), y.shape());
      assertEquals(PARAMS.stream().map(p -> "attn." + p).toList(),
          ctx.variables().all().stream().map(ModelVariable::name).toList());
      s.initialize();
      Map<String, float[]> w = new LinkedHashMap<>();
      for (String p : PARAMS) {
        w.put(p, FeedAndFetch.on(s).fetch(read(ctx, "attn." + p))[0]);
      }
      float[] out = FeedAndFetch.on(s).feed(in, Shape.of(1, 3, D), x).fetch(y)[0];
      assertClose(reference(x, x, 1, 3, 3, w, null), out, FORWARD_TOL, "self-attention output");
    }
  }

  @Test
  void additiveMaskBlocksKeysLikeLeavingThemOut() {
    int b = 2;
    int nq = 2;
    int nk = 3;
    float[] query = uniform(b * nq * D, 62, -1, 1);
    float[] keyValue = uniform(b * nk * D, 63, -1, 1);
    Map<String, float[]> w = randomWeights(64);
    // Per-sample 4-D mask [B, 1, Nq, Nk] and a shared 2-D mask [Nq, Nk]; −1e9 blocks a key.
    boolean[][][] allowed4 = {
      {{true, false, true}, {false, false, true}},
      {{true, true, false}, {true, true, true}}
    };
    boolean[][][] allowed2 = {{{false, true, true}, {true, false, true}}, {{false, true, true}, {true, false, true}}};
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Operand<TFloat32> q = placeholder(ctx, b, nq, D);
      Operand<TFloat32> kv = placeholder(ctx, b, nk, D);
      Operand<TFloat32> mask4 = placeholder(ctx, b, 1, nq, nk);
      Operand<TFloat32> mask2 = placeholder(ctx, nq, nk);
      MultiHeadAttention attn = new MultiHeadAttention("dec.attn", D, HEADS);
      Operand<TFloat32> y4 = attn.apply(ctx, q, kv, mask4);
      Operand<TFloat32> y2 = attn.apply(ctx, q, kv, mask2);
      assertEquals(8, ctx.variables().all().size(), "second application shares the 8 variables");
      s.initialize();
      FeedAndFetch run = FeedAndFetch.on(s)
          .feed(q, Shape.of(b, nq, D), query)
          .feed(kv, Shape.of(b, nk, D), keyValue)
          .feed(mask4, Shape.of(b, 1, nq, nk), additive(allowed4))
          .feed(mask2, Shape.of(nq, nk), additive(new boolean[][][] {allowed2[0]}));
      feedWeights(run, ctx, "dec.attn", w);
      float[][] out = run.fetch(y4, y2);
      assertClose(reference(query, keyValue, b, nq, nk, w, allowed4), out[0], FORWARD_TOL, "4-D masked output");
      assertClose(reference(query, keyValue, b, nq, nk, w, allowed2), out[1], FORWARD_TOL, "2-D masked output");
    }
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    int nq = 2;
    int nk = 3;
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Operand<TFloat32> q = placeholder(ctx, 1, nq, D);
      Operand<TFloat32> kv = placeholder(ctx, 1, nk, D);
      Operand<TFloat32> mask = placeholder(ctx, nq, nk);
      Operand<TFloat32> y = new MultiHeadAttention("attn", D, HEADS).apply(ctx, q, kv, mask);
      s.initialize();
      GradientCheck check = GradientCheck.on(g, s)
          .feed(q, Shape.of(1, nq, D), uniform(nq * D, 65, -1, 1))
          .feed(kv, Shape.of(1, nk, D), uniform(nk * D, 66, -1, 1))
          .feed(mask, Shape.of(nq, nk), additive(new boolean[][][] {{{true, false, true}, {true, true, true}}}));
      Map<String, float[]> w = randomWeights(67);
      List<Operand<TFloat32>> wrt = new ArrayList<>(List.of(q, kv));
      for (String p : PARAMS) {
        Operand<TFloat32> v = read(ctx, "attn." + p);
        check.feed(v, v.shape(), w.get(p));
        wrt.add(v);
      }
      check.tolerance(GRAD_TOL).check(y, wrt);
    }
  }

  @Test
  void keepsStaticShapesAndRejectsWrongWidths() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      MultiHeadAttention attn = new MultiHeadAttention("attn", D, HEADS);
      assertArrayEquals(new long[] {-1, -1, D}, attn.apply(ctx, placeholder(ctx, -1, -1, D)).shape().asArray());
      assertArrayEquals(new long[] {-1, 5, D}, attn.apply(ctx, placeholder(ctx, -1, 5, D)).shape().asArray());
      assertThrows(ShapeMismatchException.class, () -> attn.apply(ctx, placeholder(ctx, 1, 3, 6)));
      assertThrows(ShapeMismatchException.class, () -> attn.apply(ctx, placeholder(ctx, 3, D)));
      assertThrows(DelineoException.class, () -> new MultiHeadAttention("bad", 6, 4));
    }
  }

  private static Map<String, float[]> randomWeights(long seed) {
    Map<String, float[]> w = new LinkedHashMap<>();
    for (String p : PARAMS) {
      int n = p.endsWith("weight") ? D * D : D;
      w.put(p, uniform(n, seed++, -1, 1));
    }
    return w;
  }

  private static void feedWeights(FeedAndFetch run, GraphContext ctx, String module, Map<String, float[]> w) {
    for (String p : PARAMS) {
      run.feed(read(ctx, module + "." + p), p.endsWith("weight") ? Shape.of(D, D) : Shape.of(D), w.get(p));
    }
  }

  private static float[] additive(boolean[][][] allowed) {
    List<Float> out = new ArrayList<>();
    for (boolean[][] sample : allowed) {
      for (boolean[] row : sample) {
        for (boolean a : row) {
          out.add(a ? 0f : -1e9f);
        }
      }
    }
    float[] arr = new float[out.size()];
    for (int i = 0; i < arr.length; i++) {
      arr[i] = out.get(i);
    }
    return arr;
  }

  /**
   * Plain-Java multi-head attention: blocked keys are left out of the softmax sum entirely
   * (allowed == null: every key takes part).
   */
  private static float[] reference(
      float[] query, float[] keyValue, int b, int nq, int nk, Map<String, float[]> w, boolean[][][] allowed) {
    int hd = D / HEADS;
    float[] out = new float[b * nq * D];
    for (int n = 0; n < b; n++) {
      double[][] qp = project(query, n * nq, nq, w.get("q.weight"), w.get("q.bias"));
      double[][] kp = project(keyValue, n * nk, nk, w.get("k.weight"), w.get("k.bias"));
      double[][] vp = project(keyValue, n * nk, nk, w.get("v.weight"), w.get("v.bias"));
      for (int i = 0; i < nq; i++) {
        double[] mixed = new double[D];
        for (int h = 0; h < HEADS; h++) {
          double[] logit = new double[nk];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < nk; j++) {
            double dot = 0;
            for (int d = 0; d < hd; d++) {
              dot += qp[i][h * hd + d] * kp[j][h * hd + d];
            }
            logit[j] = dot / Math.sqrt(hd);
            if (allowed == null || allowed[n][i][j]) {
              max = Math.max(max, logit[j]);
            }
          }
          double z = 0;
          double[] e = new double[nk];
          for (int j = 0; j < nk; j++) {
            e[j] = allowed == null || allowed[n][i][j] ? Math.exp(logit[j] - max) : 0;
            z += e[j];
          }
          for (int j = 0; j < nk; j++) {
            for (int d = 0; d < hd; d++) {
              mixed[h * hd + d] += e[j] / z * vp[j][h * hd + d];
            }
          }
        }
        float[] proj = w.get("proj.weight");
        for (int o = 0; o < D; o++) {
          double sum = w.get("proj.bias")[o];
          for (int d = 0; d < D; d++) {
            sum += mixed[d] * proj[d * D + o];
          }
          out[(n * nq + i) * D + o] = (float) sum;
        }
      }
    }
    return out;
  }

  private static double[][] project(float[] x, int firstToken, int tokens, float[] weight, float[] bias) {
    double[][] out = new double[tokens][D];
    for (int t = 0; t < tokens; t++) {
      for (int o = 0; o < D; o++) {
        double sum = bias[o];
        for (int d = 0; d < D; d++) {
          sum += x[(firstToken + t) * D + d] * weight[d * D + o];
        }
        out[t][o] = sum;
      }
    }
    return out;
  }
}
