package org.delineo.losses.prism;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;

class PrmWeightsTest {
  @Test
  void referenceHalvesFromOneHalf() {
    // 1.0 halved before use: 0.5, 0.25, 0.125, 0.0625 (powers of two, exact in float).
    assertArrayEquals(new float[] {0.5f, 0.25f, 0.125f, 0.0625f},
        PrmWeights.reference(4).toArray(), 0f);
    assertArrayEquals(new float[] {0.5f, 0.25f, 0.125f, 0.0625f, 0.03125f},
        PrmWeights.reference(5).toArray(), 0f);
  }

  @Test
  void startIsConfigurable() {
    // The loss diagram's reading: 1.0 … 0.0625 over five levels; 0.3 → 0.3, 0.15, 0.075.
    assertArrayEquals(new float[] {1f, 0.5f, 0.25f, 0.125f, 0.0625f},
        PrmWeights.halving(1f, 5).toArray(), 0f);
    PrmWeights w = PrmWeights.halving(0.3f, 3);
    assertEquals(3, w.levels());
    assertEquals(0.3f, w.get(0), 0f);
    assertEquals(0.15f, w.get(1), 1e-8f);
    assertEquals(0.075f, w.get(2), 1e-8f);
  }

  @Test
  void rejectsInvalidSettings() {
    assertThrows(DelineoException.class, () -> PrmWeights.halving(-1f, 4));
    assertThrows(DelineoException.class, () -> PrmWeights.halving(Float.NaN, 4));
    assertThrows(DelineoException.class, () -> PrmWeights.halving(0.5f, 0));
    assertThrows(DelineoException.class, () -> PrmWeights.reference(4).get(4));
  }
}
