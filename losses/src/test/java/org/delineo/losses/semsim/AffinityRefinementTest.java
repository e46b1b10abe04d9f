package org.delineo.losses.semsim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.delineo.graph.layers.ResizeMode;
import org.delineo.graph.testing.GradientCheck;
import org.delineo.losses.semsim.AffinityRefinement.Orientation;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

class AffinityRefinementTest {
  // 1 × 2 × 2 × 2 features, positions row-major: (1,0), (0,1), (1,1), (−1,0).
  private static final float[] FEATURES = {1, 0, 0, 1, 1, 1, -1, 0};
  // 1 × 2 × 2 × 2 probabilities at the feature resolution (so I(·) is the identity).
  private static final float[] PROBS = {0.9f, 0.1f, 0.2f, 0.8f, 0.6f, 0.4f, 0.3f, 0.7f};
  private static final double R = Math.sqrt(0.5);
  // Cosines by hand: cos(0,1) = 0, cos(0,2) = 1/√2, cos(0,3) = −1, cos(1,2) = 1/√2, cos(1,3) = 0,
  // cos(2,3) = −1/√2, and 1 on the diagonal.
  private static final double[][] COS = {
    {1, 0, R, -1}, {0, 1, R, 0}, {R, R, 1, -R}, {-1, 0, -R, 1}};

  private static double[][] affinityByHand() {
    double[][] m = new double[4][4];
    for (int i = 0; i < 4; i++) {
      double z = 0;
      for (int j = 0; j < 4; j++) {
        z += Math.exp(COS[i][j]);
      }
      for (int j = 0; j < 4; j++) {
        m[i][j] = Math.exp(COS[i][j]) / z;
      }
    }
    return m;
  }

  private static List<float[]> run(Orientation o) {
    AffinityRefinement a = new AffinityRefinement(o, ResizeMode.HALF_PIXEL);
    return GraphRun.eval(tf -> {
      Operand<TFloat32> f = GraphRun.floats(tf, Shape.of(1, 2, 2, 2), FEATURES);
      Operand<TFloat32> p = GraphRun.floats(tf, Shape.of(1, 2, 2, 2), PROBS);
      return List.of(a.affinity(tf, f), a.refine(tf, p, f));
    });
  }

  @Test
  void affinityIsTheRowSoftmaxOfCosines() {
    double[][] m = affinityByHand();
    float[] got = run(Orientation.ROW_AVERAGE).get(0);
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 4; j++) {
        assertEquals(m[i][j], got[i * 4 + j], 1e-6, "M(" + i + "," + j + "), tolerance 1e-6");
      }
    }
  }

  @Test
  void rowAverageAddsTheAffinityWeightedMeanOfTheOthers() {
    double[][] m = affinityByHand();
    float[] got = run(Orientation.ROW_AVERAGE).get(1);
    for (int k1 = 0; k1 < 4; k1++) {
      double sum = 0;
      for (int c = 0; c < 2; c++) {
        double expected = PROBS[k1 * 2 + c];
        for (int k2 = 0; k2 < 4; k2++) {
          expected += m[k1][k2] * PROBS[k2 * 2 + c];
        }
        assertEquals(expected, got[k1 * 2 + c], 1e-6, "p_in(" + k1 + "," + c + "), tolerance 1e-6");
        sum += got[k1 * 2 + c];
      }
      assertEquals(2.0, sum, 1e-6, "rows of M sum to 1, so p_in sums to 2; tolerance 1e-6");
    }
  }

  @Test
  void paperLiteralMultipliesTheClassByPositionMatrixFromTheLeft() {
    double[][] m = affinityByHand();
    float[] got = run(Orientation.PAPER_LITERAL).get(1);
    for (int k2 = 0; k2 < 4; k2++) {
      for (int c = 0; c < 2; c++) {
        // (I(p)·M)[c, k2] = Σ_k1 I(p)[c, k1]·M(k1, k2)
        double expected = PROBS[k2 * 2 + c];
        for (int k1 = 0; k1 < 4; k1++) {
          expected += PROBS[k1 * 2 + c] * m[k1][k2];
        }
        assertEquals(expected, got[k2 * 2 + c], 1e-6, "p_in(" + k2 + "," + c + "), tolerance 1e-6");
      }
    }
  }

  @Test
  void asDistributionHalvesRowAverageOutput() {
    float[] got = GraphRun.eval(tf -> List.of(AffinityRefinement.asDistribution(tf,
        GraphRun.floats(tf, Shape.of(1, 1, 2, 2), new float[] {1.5f, 0.5f, 0.4f, 1.6f})))).get(0);
    assertArrayEquals(new float[] {0.75f, 0.25f, 0.2f, 0.8f}, got, 1e-6f, "tolerance 1e-6");
  }

  @Test
  void refinedPredictionGradientMatchesFiniteDifferences() {
    for (Orientation o : Orientation.values()) {
      Shape probShape = Shape.of(2, 4, 4, 3);
      Shape featShape = Shape.of(2, 2, 2, 3);
      try (Graph g = new Graph()) {
        Ops tf = Ops.create(g);
        Operand<TFloat32> p = tf.placeholder(TFloat32.class, Placeholder.shape(probShape));
        Operand<TFloat32> f = tf.placeholder(TFloat32.class, Placeholder.shape(featShape));
        Operand<TFloat32> out = new AffinityRefinement(o, ResizeMode.HALF_PIXEL).refine(tf, p, f);
        try (Session s = new Session(g)) {
          // Scaled error (GradientCheck) within 1e-2, eps 5e-3.
          GradientCheck.on(g, s)
              .feed(p, probShape, GraphRun.uniform(96, 3, 0.05, 0.95))
              .feed(f, featShape, GraphRun.uniform(24, 4, -1, 1))
              .tolerance(1e-2).check(out, List.of(p, f));
        }
      }
    }
  }
}
