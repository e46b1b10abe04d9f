package org.delineo.losses.semsim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;

class SemSimLossesTest {

  @Test
  void totalIsHalfTheWeightedSumWithThePaperWeights() {
    SemSimLosses losses = new SemSimLosses(SemSimSettings.defaults(), 4);
    List<float[]> out = GraphRun.eval(tf -> List.of(
        losses.total(tf, new SemSimLosses.Terms(tf.constant(1f), tf.constant(2f), tf.constant(4f),
            tf.constant(8f), null)),
        losses.total(tf, new SemSimLosses.Terms(tf.constant(1f), tf.constant(2f), null, null, null))));
    // ½(1·1 + 0.5·2 + 0.25·4 + 0.25·8) = ½·5 = 2.5; without intra and cross ½(1 + 1) = 1.
    assertEquals(2.5f, out.get(0)[0], 1e-6f, "tolerance 1e-6");
    assertEquals(1f, out.get(1)[0], 1e-6f, "no-intra / no-cross, tolerance 1e-6");
  }

  @Test
  void intraOnIdenticalConfidentViewsIsSmall() {
    // Strong and weak views identical, every position confident: the refined prediction equals its
    // own pseudo-label up to the smoothing of the affinity, so Dice is close to its minimum.
    float[] probs = new float[2 * 2 * 2 * 2];
    for (int i = 0; i < 8; i++) {
      probs[2 * i] = i % 3 == 0 ? 0.999f : 0.001f;
      probs[2 * i + 1] = 1 - probs[2 * i];
    }
    float[] feats = new float[2 * 2 * 2 * 2];
    for (int i = 0; i < 8; i++) {
      // Features orthogonal across classes: no cross-class spreading beyond softmax weight e^0/e^1.
      feats[2 * i] = probs[2 * i] > 0.5f ? 1f : 0f;
      feats[2 * i + 1] = probs[2 * i] > 0.5f ? 0f : 1f;
    }
    SemSimLosses losses = new SemSimLosses(SemSimSettings.defaults(), 2);
    float loss = GraphRun.eval(tf -> {
      var p = GraphRun.floats(tf, org.tensorflow.ndarray.Shape.of(2, 2, 2, 2), probs);
      var f = GraphRun.floats(tf, org.tensorflow.ndarray.Shape.of(2, 2, 2, 2), feats);
      return List.of(losses.intra(tf, p, f, p, f, null));
    }).get(0)[0];
    // Identical views are not a zero loss (the pseudo-label is one-hot, p_in is smoothed), but it
    // is below the loss of an uninformative prediction (0.5 everywhere gives 1 − 2/3 ≈ 0.33).
    assertEquals(true, loss >= 0f && loss < 0.33f, "intra loss " + loss);
  }

  @Test
  void settingsRejectBadValuesNamingTheField() {
    DelineoException e = assertThrows(DelineoException.class,
        () -> new SemSimSettings(0.95f, 1f, -0.5f, 0.25f, 0.25f, 1000f, 4, 0f, 0.5f, false));
    assertEquals(true, e.getMessage().contains("lambda_u"), e.getMessage());
  }
}
