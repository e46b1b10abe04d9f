package org.delineo.losses.mask;

import java.util.Arrays;

/**
 * A minimum-cost assignment of every row of a cost matrix to its own column, as {@link
 * HungarianSolver#solve} returns it, with the dual potentials that prove it optimal.
 *
 * <p>Optimality certificate (linear-programming duality for "every row exactly once, every column
 * at most once"): with row potentials u and column potentials v,
 *
 * <pre>
 *   u_i + v_j ≤ c_ij for every i, j;   v_j ≤ 0 for every j;   v_j = 0 for every unused column;
 *   u_i + v_j = c_ij on every assigned pair (i, j)
 * </pre>
 *
 * imply Σ_i u_i + Σ_j v_j = total cost ≤ the cost of any other assignment. Tests check these
 * inequalities directly, so optimality is verified without trusting the solver.
 */
public final class Assignment {
  private final int[] columnOfRow;
  private final int columns;
  private final double totalCost;
  private final double[] rowPotentials;
  private final double[] columnPotentials;

  Assignment(int[] columnOfRow, int columns, double totalCost, double[] rowPotentials,
      double[] columnPotentials) {
    this.columnOfRow = columnOfRow;
    this.columns = columns;
    this.totalCost = totalCost;
    this.rowPotentials = rowPotentials;
    this.columnPotentials = columnPotentials;
  }

  /** The number of rows (each assigned). */
  public int rows() {
    return columnOfRow.length;
  }

  /** The number of columns (at most one row each). */
  public int columns() {
    return columns;
  }

  /** The column assigned to each row: distinct values in [0, columns). A copy. */
  public int[] columnOfRow() {
    return columnOfRow.clone();
  }

  /**
   * The row assigned to each column, or -1 for a column left unused. For Mask2Former's transposed
   * cost (rows = targets, columns = queries) this is the matched target of each query, -1 for
   * "no object" (mmdet's {@code assigned_gt_inds} minus one).
   */
  public int[] rowOfColumn() {
    int[] rowOfColumn = new int[columns];
    Arrays.fill(rowOfColumn, -1);
    for (int i = 0; i < columnOfRow.length; i++) {
      rowOfColumn[columnOfRow[i]] = i;
    }
    return rowOfColumn;
  }

  /** Σ_i c[i][columnOfRow[i]], summed from the costs themselves (not from the potentials). */
  public double totalCost() {
    return totalCost;
  }

  /** The dual potential u_i of each row (see the class comment). A copy. */
  public double[] rowPotentials() {
    return rowPotentials.clone();
  }

  /** The dual potential v_j of each column (see the class comment). A copy. */
  public double[] columnPotentials() {
    return columnPotentials.clone();
  }
}
