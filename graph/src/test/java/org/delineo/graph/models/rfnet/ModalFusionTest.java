package org.delineo.graph.models.rfnet;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

/** {@link ModalFusion} against a plain-Java formulation of RFNet's modal_fusion, and its gradient. */
class ModalFusionTest {
  private static final int B = 2;
  private static final int SP = 4; // spatial D·H·W = 2·2·1
  private static final int C = 2;
  private static final int M = 2;
  private static final int HIDDEN = 3;
  private static final float SLOPE = 0.2f;
  private static final Shape MAP = Shape.of(B, 2, 2, 1, C);
  private static final Shape REGION = Shape.of(B, 2, 2, 1, 1);

  private static float[] uniform(long seed, int n, double lo, double hi) {
    Random r = new Random(seed);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (lo + (hi - lo) * r.nextDouble());
    }
    return out;
  }

  /** The reference forward pass, written directly from the definition, in double precision. */
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
  void matchesThePlainJavaDefinitionAndPassesTheGradientCheck() {
    float[][] f = {uniform(1, B * SP * C, -2, 2), uniform(2, B * SP * C, -2, 2)};
    float[] p = uniform(3, B * SP, 0.05, 1);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 4);
      Operand<TFloat32> f0 = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(MAP));
      Operand<TFloat32> f1 = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(MAP));
      Operand<TFloat32> region = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(REGION));
      ModalFusion fusion = new ModalFusion("rfm.modal_fusion.0", M, HIDDEN, SLOPE);
      Operand<TFloat32> y = fusion.apply(ctx, List.of(f0, f1), region);
      assertEquals(MAP, y.shape(), "output shape");
      Operand<TFloat32> w0 = value(ctx, "rfm.modal_fusion.0.weight_layer.0.weight");
      Operand<TFloat32> b0 = value(ctx, "rfm.modal_fusion.0.weight_layer.0.bias");
      Operand<TFloat32> w2 = value(ctx, "rfm.modal_fusion.0.weight_layer.2.weight");
      Operand<TFloat32> b2 = value(ctx, "rfm.modal_fusion.0.weight_layer.2.bias");
      assertEquals(Shape.of(1, 1, 1, M * C + 1, HIDDEN), w0.shape(), "MLP input is M·C + 1");
      s.initialize();
      try (TFloat32 t0 = Tensors.floats(MAP, f[0]);
          TFloat32 t1 = Tensors.floats(MAP, f[1]);
          TFloat32 tp = Tensors.floats(REGION, p);
          Result r = s.runner().feed(f0, t0).feed(f1, t1).feed(region, tp)
              .fetch(y).fetch(w0).fetch(b0).fetch(w2).fetch(b2).run()) {
        float[] got = Tensors.toFloats(r.get(0));
        double[] want = reference(f, p, Tensors.toFloats(r.get(1)), Tensors.toFloats(r.get(2)),
            Tensors.toFloats(r.get(3)), Tensors.toFloats(r.get(4)));
        for (int i = 0; i < want.length; i++) {
          assertEquals(want[i], got[i], 1e-5 * Math.max(1, Math.abs(want[i])),
              "element " + i + " (tolerance 1e-5 relative)");
        }
      }
      // Default GradientCheck: eps 5e-3, scaled error ≤ 1e-2; inputs, region and MLP weights.
      GradientCheck.on(g, s).feed(f0, MAP, f[0]).feed(f1, MAP, f[1]).feed(region, REGION, p)
          .check(y, List.of(f0, f1, region, w0, w2));
    }
  }

  private static Operand<TFloat32> value(GraphContext ctx, String name) {
    @SuppressWarnings("unchecked")
    Operand<TFloat32> v = (Operand<TFloat32>) ctx.variables().find(name).orElseThrow().value();
    return v;
  }
}
