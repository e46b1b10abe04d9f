package org.delineo.losses.mask;

import java.util.Arrays;
import org.delineo.graph.DelineoException;

/**
 * The Java half of Mask2Former's matching: from the fetched costs of every image and stage
 * ({@link Mask2FormerCriterion#cost}, class slots as {@link ClassMaskTargets}) to the class each
 * query is matched to. Per image and stage, the cost is restricted to the T present classes and
 * solved exactly ({@link HungarianSolver}); with T ≤ Q every target gets its own query (the others
 * are no-object), with T &gt; Q every query gets its own target, the cheapest such choice, as
 * scipy's {@code linear_sum_assignment} does on a wide matrix.
 *
 * <p>Worked example: Q = 2 queries, K = 3 classes of which 0 and 2 are present, costs (rows =
 * queries, columns = slots 0, 1, 2) {(1, 9, 5), (2, 9, 3)}: the present columns are 0 and 2, the
 * assignments q0→0, q1→2 (1 + 3 = 4) and q0→2, q1→0 (5 + 2 = 7), so the result is {0, 2}.
 */
public final class ClassSlotMatcher {
  private ClassSlotMatcher() {}

  /**
   * @param cost [N, L, Q, K] row-major: stage l's cost of query q against class k in image n
   * @param present [N, K] row-major: whether class k is a target of image n
   * @return [N, L, Q] row-major: the class matched to each query, −1 for no object
   * @throws DelineoException when the array lengths do not fit the sizes or a used cost is not finite
   */
  public static int[] assign(float[] cost, boolean[] present, int images, int stages, int queries, int classes) {
    if ((long) images * stages * queries * classes != cost.length || (long) images * classes != present.length) {
      throw new DelineoException("Mask2Former matching: expected costs [" + images + ", " + stages + ", " + queries
          + ", " + classes + "] and present [" + images + ", " + classes + "], found " + cost.length + " and "
          + present.length + " values");
    }
    int[] out = new int[images * stages * queries];
    Arrays.fill(out, -1);
    for (int n = 0; n < images; n++) {
      int[] slots = presentSlots(present, n, classes);
      int t = slots.length;
      if (t == 0) {
        continue;
      }
      for (int l = 0; l < stages; l++) {
        int base = ((n * stages) + l) * queries * classes;
        int[] classOfQuery = new int[queries];
        Arrays.fill(classOfQuery, -1);
        if (t <= queries) {
          double[][] targetByQuery = new double[t][queries];
          for (int j = 0; j < t; j++) {
            for (int q = 0; q < queries; q++) {
              targetByQuery[j][q] = cost[base + q * classes + slots[j]];
            }
          }
          int[] queryOfTarget = HungarianSolver.solve(targetByQuery).columnOfRow();
          for (int j = 0; j < t; j++) {
            classOfQuery[queryOfTarget[j]] = slots[j];
          }
        } else {
          double[][] queryByTarget = new double[queries][t];
          for (int q = 0; q < queries; q++) {
            for (int j = 0; j < t; j++) {
              queryByTarget[q][j] = cost[base + q * classes + slots[j]];
            }
          }
          int[] targetOfQuery = HungarianSolver.solve(queryByTarget).columnOfRow();
          for (int q = 0; q < queries; q++) {
            classOfQuery[q] = slots[targetOfQuery[q]];
          }
        }
        System.arraycopy(classOfQuery, 0, out, ((n * stages) + l) * queries, queries);
      }
    }
    return out;
  }

  private static int[] presentSlots(boolean[] present, int image, int classes) {
    int count = 0;
    for (int k = 0; k < classes; k++) {
      if (present[image * classes + k]) {
        count++;
      }
    }
    int[] slots = new int[count];
    int i = 0;
    for (int k = 0; k < classes; k++) {
      if (present[image * classes + k]) {
        slots[i++] = k;
      }
    }
    return slots;
  }
}
