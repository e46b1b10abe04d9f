package org.delineo.losses.mask;

import java.util.Arrays;
import org.delineo.graph.DelineoException;

/**
 * Exact minimum-cost assignment for a rectangular cost matrix with rows ≤ columns: every row gets
 * its own column and the sum of the chosen costs is as small as possible. This is the step mmdet
 * 3.3.0's {@code HungarianAssigner.assign} ({@code mmdet/models/task_modules/assigners/
 * hungarian_assigner.py}) delegates to scipy's {@code linear_sum_assignment} on the [Q, T] cost of
 * {@link MatchingCost}; Delineo solves the transposed [T, Q] problem (targets as rows), which has the
 * same optimum. Under ties the chosen pairs may differ from scipy's; the total cost does not.
 *
 * <p>Algorithm: successive shortest augmenting paths with dual potentials (the Hungarian method in
 * the Kuhn–Munkres / Jonker–Volgenant form), O(rows² · columns). Rows are added one at a time; for
 * each, a Dijkstra-like search over the columns, on reduced costs c_ij − u_i − v_j ≥ 0, grows a tree
 * of tight edges until it reaches an unused column, moving the potentials of the tree by the
 * smallest reduced cost at every step, and the path to that column is flipped. The potentials
 * returned in the {@link Assignment} certify optimality (see there).
 *
 * <p>Worked example, where picking each row's cheapest free column in turn gives 1 + 4 + 9 = 14:
 *
 * <pre>{@code
 * Assignment a = HungarianSolver.solve(new double[][] {
 *     {1, 2, 3},
 *     {2, 4, 6},
 *     {3, 6, 9}});
 * a.columnOfRow();  // {2, 1, 0}: 3 + 4 + 3
 * a.totalCost();    // 10.0, the smallest of the 6 permutations (14, 13, 13, 11, 11, 10)
 *
 * // Mask2Former: 3 queries, 1 target, cost [Q, T] flattened row-major as fetched from the graph
 * HungarianSolver.matchQueries(new float[] {0.7f, 0.2f, 0.5f}, 3, 1);  // {-1, 0, -1}
 * }</pre>
 */
public final class HungarianSolver {
  private HungarianSolver() {}

  /**
   * The minimum-cost assignment of every row of {@code cost} to a distinct column.
   *
   * @param cost rows × columns, rows ≤ columns, every row of the same length, finite values (may be
   *     negative); a matrix without rows gives an empty assignment (of zero columns)
   * @throws DelineoException if rows &gt; columns, the rows differ in length, or an entry is NaN or
   *     infinite (naming its position)
   */
  public static Assignment solve(double[][] cost) {
    int rows = cost.length;
    int columns = rows == 0 ? 0 : cost[0].length;
    validate(cost, columns);
    return new Search(cost, columns).run();
  }

  /**
   * Mask2Former's matching from the cost as the graph produces it: {@code cost} is [Q, T] in
   * row-major order (queries × targets, {@link MatchingCost}'s layout and mmdet's), T ≤ Q. Returns,
   * for each query, the index of its matched target, or -1 if it matches none ("no object"); every
   * target is matched exactly once, so T entries are non-negative. T = 0 gives all -1.
   *
   * @throws DelineoException if T &gt; Q, the array length is not Q · T, or a cost is NaN or infinite
   */
  public static int[] matchQueries(float[] cost, int queries, int targets) {
    if (queries < 0 || targets < 0 || (long) queries * targets != cost.length) {
      throw new DelineoException("matching cost: expected " + queries + " queries × " + targets
          + " targets = " + ((long) queries * targets) + " values, found " + cost.length);
    }
    if (targets > queries) {
      throw new DelineoException("matching cost: expected at most as many targets as queries,"
          + " found " + targets + " targets and " + queries + " queries");
    }
    if (targets == 0) {
      int[] none = new int[queries];
      Arrays.fill(none, -1);
      return none;
    }
    double[][] targetByQuery = new double[targets][queries];
    for (int q = 0; q < queries; q++) {
      for (int t = 0; t < targets; t++) {
        targetByQuery[t][q] = cost[q * targets + t];
      }
    }
    return solve(targetByQuery).rowOfColumn();
  }

  private static void validate(double[][] cost, int columns) {
    int rows = cost.length;
    for (int i = 0; i < rows; i++) {
      if (cost[i] == null || cost[i].length != columns) {
        throw new DelineoException("assignment cost: every row must have " + columns
            + " columns (as row 0), row " + i + " has " + (cost[i] == null ? "none" : cost[i].length));
      }
    }
    if (rows > columns) {
      throw new DelineoException("assignment cost: expected rows ≤ columns (each row needs its own"
          + " column), found " + rows + " rows and " + columns + " columns");
    }
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < columns; j++) {
        if (!Double.isFinite(cost[i][j])) {
          throw new DelineoException("assignment cost: entry [" + i + "][" + j
              + "] must be finite, found " + cost[i][j]);
        }
      }
    }
  }

  /** The state of one solve: potentials, the current matching, and the per-row search arrays. */
  private static final class Search {
    private final double[][] cost;
    private final int rows;
    private final int columns;
    private final double[] u;
    private final double[] v;
    /** The row using each column, -1 while the column is free. */
    private final int[] rowOfColumn;
    /** Per search: the smallest reduced cost from the tree to each column so far. */
    private final double[] slack;
    /** Per search: the tree column whose row reached each column at its slack; -1 = the new row. */
    private final int[] previousColumn;
    private final boolean[] inTree;

    Search(double[][] cost, int columns) {
      this.cost = cost;
      this.rows = cost.length;
      this.columns = columns;
      this.u = new double[rows];
      this.v = new double[columns];
      this.rowOfColumn = new int[columns];
      this.slack = new double[columns];
      this.previousColumn = new int[columns];
      this.inTree = new boolean[columns];
      Arrays.fill(rowOfColumn, -1);
    }

    Assignment run() {
      for (int row = 0; row < rows; row++) {
        augment(row, shortestPathToFreeColumn(row));
      }
      int[] columnOfRow = new int[rows];
      for (int j = 0; j < columns; j++) {
        if (rowOfColumn[j] >= 0) {
          columnOfRow[rowOfColumn[j]] = j;
        }
      }
      double total = 0;
      for (int i = 0; i < rows; i++) {
        total += cost[i][columnOfRow[i]];
      }
      return new Assignment(columnOfRow, columns, total, u, v);
    }

    /**
     * Grows a tree of tight edges from {@code newRow} until a free column joins it, keeping every
     * reduced cost non-negative and every matched pair tight; returns that free column.
     */
    private int shortestPathToFreeColumn(int newRow) {
      Arrays.fill(slack, Double.POSITIVE_INFINITY);
      Arrays.fill(previousColumn, -1);
      Arrays.fill(inTree, false);
      int row = newRow;
      int viaColumn = -1;
      while (true) {
        // Relax the edges of the row that just joined the tree, and find the nearest outside column.
        int nearest = -1;
        for (int j = 0; j < columns; j++) {
          if (inTree[j]) {
            continue;
          }
          double reduced = cost[row][j] - u[row] - v[j];
          if (reduced < slack[j]) {
            slack[j] = reduced;
            previousColumn[j] = viaColumn;
          }
          if (nearest < 0 || slack[j] < slack[nearest]) {
            nearest = j;
          }
        }
        // Shift the potentials so the nearest column's edge becomes tight: tree rows rise, tree
        // columns fall (tree edges and matched pairs keep their reduced cost), and every outside
        // column's slack drops by the same amount.
        double delta = slack[nearest];
        u[newRow] += delta;
        for (int j = 0; j < columns; j++) {
          if (inTree[j]) {
            u[rowOfColumn[j]] += delta;
            v[j] -= delta;
          } else {
            slack[j] -= delta;
          }
        }
        inTree[nearest] = true;
        if (rowOfColumn[nearest] < 0) {
          return nearest;
        }
        row = rowOfColumn[nearest];
        viaColumn = nearest;
      }
    }

    /** Flips the path ending at {@code freeColumn}: each column on it takes the row before it. */
    private void augment(int newRow, int freeColumn) {
      int j = freeColumn;
      while (j >= 0) {
        int before = previousColumn[j];
        rowOfColumn[j] = before < 0 ? newRow : rowOfColumn[before];
        j = before;
      }
    }
  }
}
