package org.delineo.losses.semsim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;

class SemSimLossesTest {

  @Test
  void totalIsHalfTheWeightedSumWithThePaperWeights() {
    SemSimLosses losses = new SemSimLosses(SemSimSettings.defaults(), 4);
    List<float[]> out = GraphRun.eval(tf -> List.of(
        losses.total(tf, new SemSimLosses.Terms(tf.constant(1f), tf.constant(2f), tf.constant(4f),
            tf.constant(8f), tf.constant(16f))),
        losses.total(tf, new SemSimLosses.Terms(tf.constant(1f), tf.constant(2f), null, null, null))));
    // ½(1·1 + 0.5·2 + 0.25·4 + 0.25·8 + 0.5·16) = ½·13 = 6.5; fixmatch-only (no intra, cross, fp)
    // ½(1 + 1) = 1.
    assertEquals(6.5f, out.get(0)[0], 1e-6f, "tolerance 1e-6");
    assertEquals(1f, out.get(1)[0], 1e-6f, "fixmatch-only, tolerance 1e-6");
  }

  /**
   * One image, 2 × 2 positions (features at the prediction resolution, so I(·) is the identity),
   * two classes. Features: positions 0, 1 = (1, 0), positions 2, 3 = (0, 1), so cos is 1 within a
   * pair and 0 across, and every row of M is e/(2e+2) = 0.36553 on the pair, 1/(2e+2) = 0.13447 on
   * the other two.
   *
   * <p>Weak p^w (class 0): 0.98, 0.9, 0.02, 0.3 → confident (max ≥ 0.95) at positions 0 and 2 only,
   * kept fraction 0.5. Refined weak p^w_1 = (p + M·p)/2, class 0 at position 0:
   * (0.98 + 0.36553·1.88 + 0.13447·0.32)/2 = 0.85511; at 1: 0.81511; at 2: 0.19489; at 3: 0.33489.
   * No refined value reaches 0.95 (max 0.855), so a mask on p^w_1 kept nothing: the old defect.
   * Pseudo-labels argmax p^w_1 at the kept positions: 0 → class 0, 2 → class 1.
   *
   * <p>Strong p^s (class 0): 0.6, 0.8, 0.1, 0.5 → p_in/2 class 0 at position 0:
   * (0.6 + 0.36553·1.4 + 0.13447·0.6)/2 = 0.59621, at 2: (0.1 + 0.36553·0.6 + 0.13447·1.4)/2 =
   * 0.25379. Dice over the kept positions, s = 1e-5:
   * d_0 = 2·0.59621 / (0.59621² + 0.25379² + 1) = 1.19242 / 1.41988 = 0.83981,
   * d_1 = 2·0.74621 / (0.40379² + 0.74621² + 1) = 1.49242 / 1.71988 = 0.86775,
   * loss = 1 − (0.83981 + 0.86775)/2 = 0.14622.
   */
  @Test
  void intraKeepsPositionsWhereTheUnrefinedWeakViewIsConfident() {
    float[] feats = {1, 0, 1, 0, 0, 1, 0, 1};
    float[] weak = {0.98f, 0.02f, 0.9f, 0.1f, 0.02f, 0.98f, 0.3f, 0.7f};
    float[] strong = {0.6f, 0.4f, 0.8f, 0.2f, 0.1f, 0.9f, 0.5f, 0.5f};
    SemSimLosses losses = new SemSimLosses(SemSimSettings.defaults(), 2);
    Shape shape = Shape.of(1, 2, 2, 2);
    List<float[]> out = GraphRun.eval(tf -> {
      var f = GraphRun.floats(tf, shape, feats);
      var w = GraphRun.floats(tf, shape, weak);
      var s = GraphRun.floats(tf, shape, strong);
      return List.of(losses.intra(tf, s, f, w, f, null),
          losses.intraKeptFraction(tf, w, f, null),
          AffinityRefinement.asDistribution(tf, losses.refinement().refine(tf, w, f)));
    });
    assertEquals(0.14622f, out.get(0)[0], 1e-4f, "intra loss, tolerance 1e-4");
    assertEquals(0.5f, out.get(1)[0], 1e-6f, "kept fraction: positions 0 and 2");
    float[] refinedWeak = out.get(2);
    float[] expected = {0.85511f, 0.14489f, 0.81511f, 0.18489f, 0.19489f, 0.80511f, 0.33489f, 0.66511f};
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], refinedWeak[i], 1e-4f, "refined weak " + i + ", tolerance 1e-4");
      assertTrue(refinedWeak[i] < 0.95f, "no refined weak value reaches tau: " + refinedWeak[i]);
    }
  }

  @Test
  void intraIsZeroWhenNoWeakPositionIsConfident() {
    float[] feats = {1, 0, 1, 0, 0, 1, 0, 1};
    float[] weak = {0.9f, 0.1f, 0.9f, 0.1f, 0.2f, 0.8f, 0.3f, 0.7f};
    float[] strong = {0.6f, 0.4f, 0.8f, 0.2f, 0.1f, 0.9f, 0.5f, 0.5f};
    SemSimLosses losses = new SemSimLosses(SemSimSettings.defaults(), 2);
    Shape shape = Shape.of(1, 2, 2, 2);
    List<float[]> out = GraphRun.eval(tf -> {
      var f = GraphRun.floats(tf, shape, feats);
      var w = GraphRun.floats(tf, shape, weak);
      return List.of(losses.intra(tf, GraphRun.floats(tf, shape, strong), f, w, f, null),
          losses.intraKeptFraction(tf, w, f, null));
    });
    // Nothing kept: every d_c = s/s = 1, loss 0, kept fraction 0.
    assertEquals(0f, out.get(0)[0], 1e-6f);
    assertEquals(0f, out.get(1)[0], 1e-6f);
  }

  @Test
  void settingsRejectBadValuesNamingTheField() {
    DelineoException e = assertThrows(DelineoException.class,
        () -> new SemSimSettings(0.95f, 1f, -0.5f, 0.25f, 0.25f, 1000f, 4, 0f, 0.5f, false,
            AffinityRefinement.Orientation.ROW_AVERAGE));
    assertEquals(true, e.getMessage().contains("lambda_u"), e.getMessage());
  }
}
