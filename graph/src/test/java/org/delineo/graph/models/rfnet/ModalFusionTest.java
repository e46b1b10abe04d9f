package org.delineo.graph.models.rfnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.Tensors;
import org.delineo.graph.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** {@link ModalFusion} against a plain-Java formulation of RFNet's modal_fusion per region, and its gradient. */
class ModalFusionTest {
  private static final int B = 2;
  private static final int SP = 4; // spatial D·H·W = 2·2·1
  private static final int C = 2;
  private static final int M = 2;
  private static final int K = 2;
  private static final int HIDDEN = 3;
  private static final float SLOPE = 0.2f;
  private static final Shape STACK = Shape.of(B, 2, 2, 1, M * C);
  private static final Shape REGIONS = Shape.of(B, 2, 2, 1, K);

  private static float[] uniform(long seed, int n, double lo, double hi) {
    Random r = new Random(seed);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (lo + (hi - lo) * r.nextDouble());
    }
    return out;
  }

  /**
   * The reference forward pass for one region, written directly from the definition in double
   * precision: f[k] is modality k's map [B, SP, C], p the region's probability [B, SP].
   */
  private static double[] reference(
      float[][] f, float[] p, float[] w0, float[] b0, float[] w2, float[] b2) {
    double[] out = new double[B * SP * C];
    for (int b = 0; b < B; b++) {
      double pSum = 0;
      for (int s = 0; s < SP; s++) {
        pSum += p[b * SP + s];
      }
      double pBar = pSum / SP + 1e-7;
      double[] v = new double[M * C + 1];
      for (int k = 0; k < M; k++) {
        for (int c = 0; c < C; c++) {
          double acc = 0;
          for (int s = 0; s < SP; s++) {
            acc += f[k][(b * SP + s) * C + c] * p[b * SP + s];
          }
          v[k * C + c] = acc / SP / pBar;
        }
      }
      v[M * C] = pBar;
      double[] h = new double[HIDDEN];
      for (int j = 0; j < HIDDEN; j++) {
        double z = b0[j];
        for (int i = 0; i < v.length; i++) {
          z += v[i] * w0[i * HIDDEN + j]; // DHWIO kernel [1, 1, 1, in, out]
        }
        h[j] = z >= 0 ? z : SLOPE * z;
      }
      double[] weight = new double[M];
      for (int k = 0; k < M; k++) {
        double z = b2[k];
        for (int j = 0; j < HIDDEN; j++) {
          z += h[j] * w2[j * M + k];
        }
        weight[k] = 1 / (1 + Math.exp(-z));
      }
      for (int s = 0; s < SP; s++) {
        for (int c = 0; c < C; c++) {
          double sum = 0;
          for (int k = 0; k < M; k++) {
            sum += weight[k] * f[k][(b * SP + s) * C + c];
          }
          out[(b * SP + s) * C + c] = sum * p[b * SP + s];
        }
      }
    }
    return out;
  }

  @Test
  void matchesThePlainJavaDefinitionPerRegionAndPassesTheGradientCheck() {
    float[][] f = {uniform(1, B * SP * C, -2, 2), uniform(2, B * SP * C, -2, 2)};
    float[][] p = {uniform(3, B * SP, 0.05, 1), uniform(4, B * SP, 0.05, 1)};
    float[] stack = interleave(f, C);
    float[] regions = interleave(new float[][] {p[0], p[1]}, 1);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 4);
      Operand<TFloat32> maps = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(STACK));
      Operand<TFloat32> region = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(REGIONS));
      ModalFusion fusion = new ModalFusion("rfm.modal_fusion", K, M, HIDDEN, SLOPE);
      Operand<TFloat32> y = fusion.apply(ctx, maps, region);
      assertEquals(Shape.of(B, 2, 2, 1, K * C), y.shape(), "output shape");
      List<Operand<TFloat32>> fetches = new ArrayList<>(List.of(y));
      for (int c = 0; c < K; c++) {
        for (String v : List.of("weight_layer.0.weight", "weight_layer.0.bias", "weight_layer.2.weight",
            "weight_layer.2.bias")) {
          fetches.add(value(ctx, "rfm.modal_fusion." + c + "." + v));
        }
      }
      assertEquals(Shape.of(1, 1, 1, M * C + 1, HIDDEN), fetches.get(1).shape(), "MLP input is M·C + 1");
      s.initialize();
      try (TFloat32 tf = Tensors.floats(STACK, stack);
          TFloat32 tp = Tensors.floats(REGIONS, regions)) {
        Session.Runner runner = s.runner().feed(maps, tf).feed(region, tp);
        fetches.forEach(runner::fetch);
        try (Result r = runner.run()) {
          float[] got = Tensors.toFloats(r.get(0));
          for (int c = 0; c < K; c++) {
            double[] want = reference(f, p[c], Tensors.toFloats(r.get(1 + 4 * c)),
                Tensors.toFloats(r.get(2 + 4 * c)), Tensors.toFloats(r.get(3 + 4 * c)),
                Tensors.toFloats(r.get(4 + 4 * c)));
            for (int i = 0; i < want.length; i++) {
              float g0 = got[(i / C) * K * C + c * C + i % C]; // region-major channels
              assertEquals(want[i], g0, 1e-5 * Math.max(1, Math.abs(want[i])),
                  "region " + c + " element " + i + " (tolerance 1e-5 relative)");
            }
          }
        }
      }
      // Default GradientCheck: eps 5e-3, scaled error ≤ 1e-2; maps, regions and MLP weights.
      GradientCheck.on(g, s).feed(maps, STACK, stack).feed(region, REGIONS, regions)
          .check(y, List.of(maps, region, fetches.get(1), fetches.get(3), fetches.get(7)));
    }
  }

  @Test
  void unknownBatchAndSpatialSizesKeepTheChannels() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 4);
      Operand<TFloat32> maps = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, 2, -1, M * C)));
      Operand<TFloat32> region = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, 2, -1, K)));
      Operand<TFloat32> y = new ModalFusion("rfm.modal_fusion", K, M, HIDDEN, SLOPE).apply(ctx, maps, region);
      assertArrayEquals(new long[] {-1, -1, 2, -1, K * C}, y.shape().asArray());
    }
  }

  /** Maps [B·SP, c] each, concatenated along channels: [B·SP, n·c]. */
  private static float[] interleave(float[][] maps, int c) {
    int positions = maps[0].length / c;
    float[] out = new float[positions * maps.length * c];
    for (int s = 0; s < positions; s++) {
      for (int k = 0; k < maps.length; k++) {
        System.arraycopy(maps[k], s * c, out, (s * maps.length + k) * c, c);
      }
    }
    return out;
  }

  private static Operand<TFloat32> value(GraphContext ctx, String name) {
    @SuppressWarnings("unchecked")
    Operand<TFloat32> v = (Operand<TFloat32>) ctx.variables().find(name).orElseThrow().value();
    return v;
  }
}
