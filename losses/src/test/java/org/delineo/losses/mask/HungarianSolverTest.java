package org.delineo.losses.mask;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;

class HungarianSolverTest {
  /** Slack allowed in the dual inequalities and total-cost comparisons of real-valued costs. */
  private static final double TOL = 1e-9;

  /** The smallest total over every injective map rows → columns, by exhaustive enumeration. */
  private static double bruteForce(double[][] c, int columns) {
    return bruteForce(c, columns, 0, new boolean[columns]);
  }

  private static double bruteForce(double[][] c, int columns, int row, boolean[] used) {
    if (row == c.length) {
      return 0;
    }
    double best = Double.POSITIVE_INFINITY;
    for (int j = 0; j < columns; j++) {
      if (!used[j]) {
        used[j] = true;
        best = Math.min(best, c[row][j] + bruteForce(c, columns, row + 1, used));
        used[j] = false;
      }
    }
    return best;
  }

  /** Each row's cheapest still-free column, in row order: a valid but usually suboptimal assignment. */
  private static double greedy(double[][] c) {
    boolean[] used = new boolean[c[0].length];
    double total = 0;
    for (double[] row : c) {
      int best = -1;
      for (int j = 0; j < row.length; j++) {
        if (!used[j] && (best < 0 || row[j] < row[best])) {
          best = j;
        }
      }
      used[best] = true;
      total += row[best];
    }
    return total;
  }

  /** Every row has a distinct in-range column, and totalCost is the sum of the chosen entries. */
  private static void assertValid(double[][] c, int columns, Assignment a) {
    int[] col = a.columnOfRow();
    assertEquals(c.length, col.length, "one column per row");
    assertEquals(columns, a.columns(), "columns");
    boolean[] used = new boolean[columns];
    double sum = 0;
    for (int i = 0; i < col.length; i++) {
      assertTrue(col[i] >= 0 && col[i] < columns, "row " + i + " column in range: " + col[i]);
      assertTrue(!used[col[i]], "column " + col[i] + " used twice");
      used[col[i]] = true;
      sum += c[i][col[i]];
    }
    assertEquals(sum, a.totalCost(), TOL, "total cost is the sum of the chosen entries");
    int[] row = a.rowOfColumn();
    for (int j = 0; j < columns; j++) {
      assertEquals(used[j] ? indexOf(col, j) : -1, row[j], "rowOfColumn[" + j + "]");
    }
  }

  private static int indexOf(int[] values, int value) {
    for (int i = 0; i < values.length; i++) {
      if (values[i] == value) {
        return i;
      }
    }
    return -1;
  }

  /**
   * LP duality: u_i + v_j ≤ c_ij everywhere, v_j ≤ 0, v_j = 0 on unused columns, equality on the
   * assignment. Then Σu + Σv equals the total and bounds every assignment from below, so the
   * assignment is optimal whatever the solver did to find it.
   */
  private static void assertCertifiedOptimal(double[][] c, Assignment a, double tol) {
    double[] u = a.rowPotentials();
    double[] v = a.columnPotentials();
    int[] col = a.columnOfRow();
    int[] row = a.rowOfColumn();
    for (int i = 0; i < c.length; i++) {
      for (int j = 0; j < v.length; j++) {
        assertTrue(u[i] + v[j] <= c[i][j] + tol, "dual feasible at [" + i + "][" + j + "]");
      }
      assertEquals(c[i][col[i]], u[i] + v[col[i]], tol, "tight on assigned pair of row " + i);
    }
    double bound = Arrays.stream(u).sum();
    for (int j = 0; j < v.length; j++) {
      assertTrue(v[j] <= tol, "v_" + j + " ≤ 0");
      if (row[j] < 0) {
        assertEquals(0, v[j], tol, "unused column " + j + " has v = 0");
      }
      bound += v[j];
    }
    assertEquals(a.totalCost(), bound, tol * (c.length + v.length), "dual objective = primal cost");
  }

  private static double[][] random(Random r, int rows, int columns, double lo, double hi) {
    double[][] c = new double[rows][columns];
    for (double[] row : c) {
      for (int j = 0; j < columns; j++) {
        row[j] = lo + (hi - lo) * r.nextDouble();
      }
    }
    return c;
  }

  private static double[][] randomIntegers(Random r, int rows, int columns, int values) {
    double[][] c = new double[rows][columns];
    for (double[] row : c) {
      for (int j = 0; j < columns; j++) {
        row[j] = r.nextInt(values);
      }
    }
    return c;
  }

  @Test
  void handWorkedSquareWhereGreedyFails() {
    // c_ij = (i+1)(j+1): greedy takes the diagonal (1 + 4 + 9 = 14); the six permutations cost
    // 14, 13, 13, 11, 11 and 10, the last for the anti-diagonal 3 + 4 + 3.
    double[][] c = {{1, 2, 3}, {2, 4, 6}, {3, 6, 9}};
    Assignment a = HungarianSolver.solve(c);
    assertArrayEquals(new int[] {2, 1, 0}, a.columnOfRow());
    assertEquals(10, a.totalCost(), 0);
    assertEquals(14, greedy(c), 0);
    assertCertifiedOptimal(c, a, TOL);
  }

  @Test
  void handWorkedRectangularAndNegative() {
    // 2 × 3: pairs (0→1, 1→0) = 1 + 4 = 5 beat (0→0, 1→1) = 7 and every pair with column 2.
    double[][] wide = {{5, 1, 9}, {4, 2, 8}};
    Assignment a = HungarianSolver.solve(wide);
    assertArrayEquals(new int[] {1, 0}, a.columnOfRow());
    assertArrayEquals(new int[] {1, 0, -1}, a.rowOfColumn());
    assertEquals(5, a.totalCost(), 0);
    assertCertifiedOptimal(wide, a, TOL);

    // Negative costs: (0→1, 1→0) = −5 − 3 = −8 beats (0→0, 1→1) = −1 − 2 = −3.
    double[][] negative = {{-1, -5}, {-3, -2}};
    Assignment n = HungarianSolver.solve(negative);
    assertArrayEquals(new int[] {1, 0}, n.columnOfRow());
    assertEquals(-8, n.totalCost(), 0);
    assertCertifiedOptimal(negative, n, TOL);
  }

  @Test
  void matchesBruteForceOnRandomRealMatricesIncludingNegativeCosts() {
    Random r = new Random(15);
    for (int rows = 1; rows <= 6; rows++) {
      for (int columns = rows; columns <= 8; columns++) {
        for (int trial = 0; trial < 5; trial++) {
          double[][] c = random(r, rows, columns, -5, 5);
          Assignment a = HungarianSolver.solve(c);
          String what = rows + "×" + columns + " trial " + trial;
          assertValid(c, columns, a);
          assertEquals(bruteForce(c, columns), a.totalCost(), TOL, what);
          assertCertifiedOptimal(c, a, TOL);
        }
      }
    }
  }

  @Test
  void matchesBruteForceUnderTies() {
    Random r = new Random(16);
    for (int rows = 1; rows <= 6; rows++) {
      for (int columns = rows; columns <= 8; columns++) {
        for (int values : new int[] {1, 2, 3}) {
          // values 1: all zero; 2: {0, 1}; 3: {0, 1, 2}. Integer sums are exact in double.
          for (int trial = 0; trial < 3; trial++) {
            double[][] c = randomIntegers(r, rows, columns, values);
            Assignment a = HungarianSolver.solve(c);
            assertValid(c, columns, a);
            assertEquals(bruteForce(c, columns), a.totalCost(), 0,
                rows + "×" + columns + " values < " + values + " trial " + trial);
            assertCertifiedOptimal(c, a, 0);
          }
        }
      }
    }
    double[][] equal = new double[4][7];
    for (double[] row : equal) {
      Arrays.fill(row, 2.5);
    }
    Assignment a = HungarianSolver.solve(equal);
    assertValid(equal, 7, a);
    assertEquals(10, a.totalCost(), 0, "all equal: any injective map, 4 × 2.5");
  }

  @Test
  void largeSquareAndMask2FormerSizedCasesAreFastAndCertifiedOptimal() {
    Random r = new Random(17);
    for (int rows : new int[] {100, 19}) {
      double[][] c = random(r, rows, 100, 0, 10);
      long start = System.nanoTime();
      Assignment a = HungarianSolver.solve(c);
      double seconds = (System.nanoTime() - start) / 1e9;
      assertTrue(seconds < 1, rows + "×100 took " + seconds + " s");
      assertValid(c, 100, a);
      assertTrue(a.totalCost() <= greedy(c) + TOL, "no worse than greedy");
      assertCertifiedOptimal(c, a, 1e-9);
    }
  }

  @Test
  void noRowsGivesAnEmptyAssignment() {
    Assignment a = HungarianSolver.solve(new double[0][]);
    assertEquals(0, a.rows());
    assertEquals(0, a.totalCost(), 0);
    assertEquals(0, a.rowOfColumn().length);
  }

  @Test
  void userErrorsNameSizesAndPositions() {
    DelineoException tall = assertThrows(DelineoException.class,
        () -> HungarianSolver.solve(new double[3][2]));
    assertTrue(tall.getMessage().contains("3 rows") && tall.getMessage().contains("2 columns"),
        tall.getMessage());

    double[][] nan = new double[2][3];
    nan[1][2] = Double.NaN;
    DelineoException n = assertThrows(DelineoException.class, () -> HungarianSolver.solve(nan));
    assertTrue(n.getMessage().contains("[1][2]") && n.getMessage().contains("NaN"), n.getMessage());

    double[][] inf = new double[2][3];
    inf[0][1] = Double.NEGATIVE_INFINITY;
    DelineoException i = assertThrows(DelineoException.class, () -> HungarianSolver.solve(inf));
    assertTrue(i.getMessage().contains("[0][1]") && i.getMessage().contains("Infinity"), i.getMessage());

    DelineoException ragged = assertThrows(DelineoException.class,
        () -> HungarianSolver.solve(new double[][] {{1, 2, 3}, {1, 2}}));
    assertTrue(ragged.getMessage().contains("row 1 has 2"), ragged.getMessage());
  }

  @Test
  void matchQueriesReadsTheQueryByTargetLayoutAndMarksUnmatchedQueries() {
    // Javadoc example: one target, the cheapest query (1) takes it.
    assertArrayEquals(new int[] {-1, 0, -1},
        HungarianSolver.matchQueries(new float[] {0.7f, 0.2f, 0.5f}, 3, 1));
    // [Q = 3, T = 2] = {{1, 9}, {2, 3}, {9, 9}}: target 0 → query 0 and target 1 → query 1 cost
    // 1 + 3 = 4, the best of the 6 choices (read as [T, Q] the same numbers would give {1, -1, 0}).
    assertArrayEquals(new int[] {0, 1, -1},
        HungarianSolver.matchQueries(new float[] {1, 9, 2, 3, 9, 9}, 3, 2));
    assertArrayEquals(new int[] {-1, -1, -1, -1}, HungarianSolver.matchQueries(new float[0], 4, 0),
        "no targets: every query is 'no object'");
  }

  @Test
  void matchQueriesAgreesWithBruteForceOnTransposedRandomCosts() {
    Random r = new Random(18);
    for (int trial = 0; trial < 20; trial++) {
      int queries = 1 + r.nextInt(7);
      int targets = r.nextInt(queries + 1);
      float[] flat = new float[queries * targets];
      double[][] targetByQuery = new double[targets][queries];
      for (int q = 0; q < queries; q++) {
        for (int t = 0; t < targets; t++) {
          flat[q * targets + t] = r.nextInt(4);
          targetByQuery[t][q] = flat[q * targets + t];
        }
      }
      int[] match = HungarianSolver.matchQueries(flat, queries, targets);
      boolean[] seen = new boolean[targets];
      double total = 0;
      for (int q = 0; q < queries; q++) {
        if (match[q] >= 0) {
          assertTrue(!seen[match[q]], "target " + match[q] + " matched twice");
          seen[match[q]] = true;
          total += flat[q * targets + match[q]];
        }
      }
      for (int t = 0; t < targets; t++) {
        assertTrue(seen[t], "target " + t + " matched");
      }
      assertEquals(bruteForce(targetByQuery, queries), total, 0, queries + "×" + targets);
    }
  }

  @Test
  void matchQueriesRejectsMoreTargetsThanQueriesAndWrongLengths() {
    DelineoException more = assertThrows(DelineoException.class,
        () -> HungarianSolver.matchQueries(new float[6], 2, 3));
    assertTrue(more.getMessage().contains("3 targets") && more.getMessage().contains("2 queries"),
        more.getMessage());
    DelineoException length = assertThrows(DelineoException.class,
        () -> HungarianSolver.matchQueries(new float[5], 3, 2));
    assertTrue(length.getMessage().contains("6 values") && length.getMessage().contains("found 5"),
        length.getMessage());
  }
}
