package org.delineo.training.strategy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.Tensors;
import org.delineo.proto.PrismConfig;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * PASSION's imb_beta update and relative-preference gate, against the formulas of
 * reference-methods.md §4.9 evaluated by hand in plain Java.
 */
class ImbalanceWeightsTest {
  private Placeholder<?>[] inputs;

  @Test
  void betaFollowsTheEpochMeanDistancesAndTheGateTheBatch() {
    PrismConfig config = PrismConfig.newBuilder().setBetaEta(0.5f).setBetaEtaGrowth(2f)
        .setBetaEtaGrowthUpdates(1).build();
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 0);
      Ops tf = ctx.tf();
      Placeholder<TFloat32> dist = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 3)));
      Placeholder<TFloat32> avail = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 3)));
      Placeholder<TBool> end = tf.placeholder(TBool.class, Placeholder.shape(Shape.scalar()));
      Placeholder<TBool> afterWarmup = tf.placeholder(TBool.class, Placeholder.shape(Shape.scalar()));
      ImbalanceWeights w = ImbalanceWeights.create(ctx, config, 3);
      Operand<TFloat32> gate = w.relativePreferenceGate(tf, dist, avail);
      Op update = w.update(tf, dist, avail, end, afterWarmup);
      inputs = new Placeholder<?>[] {dist, avail, end, afterWarmup};
      try (Session s = new Session(g)) {
        s.initialize();
        // A warm-up epoch ends with very unequal distances: β and η stay, the sums restart.
        run(s, update, new float[] {1, 50, 9}, new float[] {1, 1, 1}, true, false);
        assertArrayEquals(new float[] {1, 1, 1}, beta(s, w), 0f, "no β update during the warm-up");
        // Batch 1 (no epoch end): sample 0 has modalities 0, 1 (d 1, 3); sample 1 has all (d 2, 2, 5).
        float[] d1 = {1, 3, 9, 2, 2, 5};
        float[] a1 = {1, 1, 0, 1, 1, 1};
        // Gate: mean over available: sample 0 -> 2, sample 1 -> 3.
        // r_0 = (1/2 - 1) + (2/3 - 1) < 0; r_1 = (3/2 - 1) + (2/3 - 1) > 0; r_2 = (5/3 - 1) > 0.
        assertArrayEquals(new float[] {0, 1, 1}, run(s, gate, d1, a1, false), 0f);
        run(s, update, d1, a1, false);
        assertArrayEquals(new float[] {1, 1, 1}, beta(s, w), 1e-6f, "no update before the epoch ends");
        // Batch 2 ends the epoch: sample 0 has modality 2 only (d 4).
        float[] d2 = {7, 7, 4};
        float[] a2 = {0, 0, 1};
        run(s, update, d2, a2, true);
        // Epoch means: m0 = (1 + 2) / 2 = 1.5, m1 = (3 + 2) / 2 = 2.5, m2 = (5 + 4) / 2 = 4.5; overall 17/6.
        double overall = (1.5 + 2.5 + 4.5) / 3;
        double[] mean = {1.5, 2.5, 4.5};
        double[] b = new double[3];
        double norm = 0;
        for (int m = 0; m < 3; m++) {
          double rp = (overall - mean[m]) / overall;
          b[m] = Math.min(4, Math.max(0.1, 1 - 0.5 * rp));
          norm += b[m] * b[m];
        }
        float[] expected = new float[3];
        for (int m = 0; m < 3; m++) {
          expected[m] = (float) (2 * b[m] / Math.sqrt(norm));
        }
        assertArrayEquals(expected, beta(s, w), 1e-5f, "beta after one epoch");
        // The sums were reset: an epoch of equal distances leaves the direction (rp = 0) and
        // renormalises, and eta has doubled (growth every update) without effect at rp = 0.
        run(s, update, new float[] {2, 2, 2}, new float[] {1, 1, 1}, true);
        double n2 = 0;
        for (float e : expected) {
          n2 += e * e;
        }
        float[] again = new float[3];
        for (int m = 0; m < 3; m++) {
          again[m] = (float) (2 * expected[m] / Math.sqrt(n2));
        }
        assertArrayEquals(again, beta(s, w), 1e-5f, "beta after a balanced epoch");
        try (Result r = s.runner().fetch(ctx.variables().find("prism.beta_eta").orElseThrow().value()).run()) {
          assertArrayEquals(new float[] {2f}, Tensors.toFloats(r.get(0)), 1e-6f,
              "eta doubled twice (not at the warm-up epoch end)");
        }
      }
    }
  }

  private static float[] beta(Session s, ImbalanceWeights w) {
    try (Result r = s.runner().fetch(w.beta()).run()) {
      return Tensors.toFloats(r.get(0));
    }
  }

  private float[] run(Session s, Object target, float[] d, float[] a, boolean end) {
    return run(s, target, d, a, end, true);
  }

  private float[] run(Session s, Object target, float[] d, float[] a, boolean end, boolean afterWarmup) {
    int n = d.length / 3;
    try (TFloat32 dt = Tensors.floats(Shape.of(n, 3), d);
        TFloat32 at = Tensors.floats(Shape.of(n, 3), a);
        TBool et = TBool.tensorOf(Shape.scalar(), DataBuffers.of(new boolean[] {end}, true, false));
        TBool wt = TBool.tensorOf(Shape.scalar(), DataBuffers.of(new boolean[] {afterWarmup}, true, false))) {
      var g = s.runner();
      g.feed(inputs[0], dt).feed(inputs[1], at).feed(inputs[2], et).feed(inputs[3], wt);
      if (target instanceof Operand<?> operand) {
        try (Result r = g.fetch(operand).run()) {
          return Tensors.toFloats(r.get(0));
        }
      }
      g.addTarget((Op) target);
      try (Result r = g.run()) {
        return null;
      }
    }
  }
}
