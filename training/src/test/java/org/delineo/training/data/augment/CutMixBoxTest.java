package org.delineo.training.data.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;

/**
 * Statistics of UniMatch's CutMix boxes. Expected area: A/S² ~ U[0.02, 0.4] is drawn once, so
 * without the integer floors E[area] = 0.21 S². Since a − 1 < floor(a) ≤ a, the floored area
 * floor(a)·floor(b) lies in (ab − a − b, ab] with a·b = A and a + b = sqrt(A)(r^½ + r^−½) ≤
 * sqrt(0.4)(sqrt(0.3) + 1/sqrt(0.3)) S < 1.5 S, so the mean area fraction lies in
 * (0.21 − 1.5/S, 0.21] up to sampling error; the sampling error of n draws is at most
 * 4 · (0.38/sqrt(12)) / sqrt(n) (4 standard errors of U[0.02, 0.4]).
 */
class CutMixBoxTest {
  private static final int S = 256;
  private static final int N = 20_000;

  @Test
  void areaFractionMeanMatchesTheAnalyticExpectation() {
    CutMixBox always = new CutMixBox(1.0, 0.02, 0.4, 0.3);
    SplittableRandom rng = new SplittableRandom(1);
    double sum = 0;
    for (int i = 0; i < N; i++) {
      CutMixBox.Box box = always.draw(S, S, rng);
      assertTrue(box.present());
      sum += (double) box.area() / (S * S);
    }
    double mean = sum / N;
    double sampling = 4 * (0.38 / Math.sqrt(12)) / Math.sqrt(N);
    assertTrue(mean > 0.21 - 1.5 / S - sampling && mean < 0.21 + sampling,
        "mean area fraction " + mean + " expected in (0.21 - " + (1.5 / S) + ", 0.21] ± "
            + sampling);
  }

  @Test
  void boxesAreInsideWithBoundedAspect() {
    CutMixBox always = new CutMixBox(1.0, 0.02, 0.4, 0.3);
    SplittableRandom rng = new SplittableRandom(2);
    int h = 40;
    int w = 56;
    for (int i = 0; i < N; i++) {
      CutMixBox.Box b = always.draw(h, w, rng);
      assertTrue(b.y() >= 0 && b.x() >= 0 && b.y() + b.height() <= h && b.x() + b.width() <= w,
          "inside: " + b);
      // height = floor(sqrt(A r)), width = floor(sqrt(A / r)) give h/(w+1) < r < (h+1)/w.
      assertTrue((double) b.height() / (b.width() + 1) < 1 / 0.3, "aspect <= 1/0.3: " + b);
      assertTrue((b.height() + 1.0) / b.width() > 0.3, "aspect >= 0.3: " + b);
      double fraction = (double) b.area() / (h * w);
      assertTrue(fraction <= 0.4 + 1e-12, "area <= 0.4: " + b);
    }
  }

  @Test
  void aBoxIsDrawnWithProbabilityP() {
    CutMixBox half = new CutMixBox();
    SplittableRandom rng = new SplittableRandom(3);
    int boxes = 0;
    for (int i = 0; i < N; i++) {
      boxes += half.draw(32, 32, rng).present() ? 1 : 0;
    }
    // Binomial(N, 0.5): standard error 0.0035; tolerance 0.02 (> 5 standard errors).
    assertEquals(0.5, (double) boxes / N, 0.02);
  }

  @Test
  void maskIsOneExactlyInsideTheBox() {
    CutMixBox.Box box = new CutMixBox.Box(1, 2, 2, 3);
    float[] m = box.mask(4, 6);
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 6; x++) {
        boolean inside = y >= 1 && y < 3 && x >= 2 && x < 5;
        assertEquals(inside ? 1f : 0f, m[y * 6 + x], 0f, "(" + y + ", " + x + ")");
      }
    }
    assertEquals(16, new CutMixBox(0, 0.02, 0.4, 0.3).mask(4, 4, new SplittableRandom(0)).length);
    assertThrows(DelineoException.class, () -> new CutMixBox(0.5, 0.02, 1.5, 0.3));
    assertThrows(DelineoException.class, () -> new CutMixBox(0.5, 0.02, 0.4, 2));
  }
}
