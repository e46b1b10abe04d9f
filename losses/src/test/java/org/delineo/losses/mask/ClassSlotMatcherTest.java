package org.delineo.losses.mask;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;

/**
 * The per-image, per-stage matching against brute force over every injective map between the
 * present classes and the queries (in whichever direction is smaller), with absent classes never
 * matched and all-ignored images all no-object.
 */
class ClassSlotMatcherTest {

  @Test
  void javadocExample() {
    float[] cost = {1, 9, 5, 2, 9, 3};
    assertArrayEquals(new int[] {0, 2}, ClassSlotMatcher.assign(cost, new boolean[] {true, false, true}, 1, 1, 2, 3));
  }

  @Test
  void equalsBruteForceOnRandomCostsWithMoreQueriesThanTargetsAndFewer() {
    Random r = new Random(7);
    for (int trial = 0; trial < 200; trial++) {
      int images = 1 + r.nextInt(2);
      int stages = 1 + r.nextInt(2);
      int queries = 1 + r.nextInt(5);
      int classes = 1 + r.nextInt(5);
      float[] cost = new float[images * stages * queries * classes];
      for (int i = 0; i < cost.length; i++) {
        // Integer costs in a small range give many ties; negatives as the class cost is.
        cost[i] = trial % 2 == 0 ? r.nextInt(3) - 1 : (float) r.nextGaussian();
      }
      boolean[] present = new boolean[images * classes];
      for (int i = 0; i < present.length; i++) {
        present[i] = r.nextBoolean();
      }
      int[] out = ClassSlotMatcher.assign(cost, present, images, stages, queries, classes);
      for (int n = 0; n < images; n++) {
        int t = 0;
        for (int k = 0; k < classes; k++) {
          t += present[n * classes + k] ? 1 : 0;
        }
        for (int l = 0; l < stages; l++) {
          int base = (n * stages + l) * queries;
          double total = 0;
          boolean[] used = new boolean[classes];
          int matched = 0;
          for (int q = 0; q < queries; q++) {
            int k = out[base + q];
            if (k < 0) {
              continue;
            }
            String what = "trial " + trial + " image " + n + " stage " + l;
            assertTrue(present[n * classes + k], what + ": matched an absent class " + k);
            assertTrue(!used[k], what + ": class " + k + " matched twice");
            used[k] = true;
            matched++;
            total += cost[(base + q) * classes + k];
          }
          assertEquals(Math.min(t, queries), matched, "every target or every query is matched");
          assertEquals(bruteForce(cost, present, n, base, queries, classes), total, 1e-5,
              "trial " + trial + " image " + n + " stage " + l);
        }
      }
    }
  }

  @Test
  void imageWithoutTargetsIsAllNoObject() {
    float[] cost = {0, 0, 0, 0};
    assertArrayEquals(new int[] {-1, -1}, ClassSlotMatcher.assign(cost, new boolean[] {false, false}, 1, 1, 2, 2));
  }

  @Test
  void wrongLengthsAreOneLineErrors() {
    DelineoException e = assertThrows(DelineoException.class,
        () -> ClassSlotMatcher.assign(new float[3], new boolean[2], 1, 1, 2, 2));
    assertTrue(e.getMessage().contains("expected costs [1, 1, 2, 2]"), e.getMessage());
  }

  /** The least total over all ways to pair min(T, Q) present classes and queries one to one. */
  private static double bruteForce(float[] cost, boolean[] present, int image, int base, int queries, int classes) {
    return search(cost, present, image, base, queries, classes, 0, new boolean[classes], 0);
  }

  /** Query q takes a free present class or (if enough classes can still be matched) none. */
  private static double search(float[] cost, boolean[] present, int image, int base, int queries, int classes,
      int q, boolean[] used, int matched) {
    int t = 0;
    for (int k = 0; k < classes; k++) {
      t += present[image * classes + k] ? 1 : 0;
    }
    int needed = Math.min(t, queries);
    if (q == queries) {
      return matched == needed ? 0 : Double.POSITIVE_INFINITY;
    }
    double best = search(cost, present, image, base, queries, classes, q + 1, used, matched);
    for (int k = 0; k < classes; k++) {
      if (present[image * classes + k] && !used[k]) {
        used[k] = true;
        best = Math.min(best, cost[(base + q) * classes + k]
            + search(cost, present, image, base, queries, classes, q + 1, used, matched + 1));
        used[k] = false;
      }
    }
    return best;
  }
}
