package org.delineo.graph.backbones;

/**
 * Which row of a relative-position bias table each (query, key) pair of a square window reads:
 * mmseg's {@code WindowMSA.relative_position_index}, a buffer (not a parameter, so it is computed
 * here and never loaded). For tokens i = (r_i, c_i) and j = (r_j, c_j) of a size × size window in
 * row-major order the row is (r_i − r_j + size − 1)·(2·size − 1) + (c_i − c_j + size − 1), one of
 * (2·size − 1)² rows: one per relative offset, shared by every window. mmseg builds the same
 * numbers as {@code double_step_seq(2·size − 1, size, 1, size)}, its sum with its transpose and a
 * flip of the columns.
 */
final class RelativePositionIndex {
  private RelativePositionIndex() {}

  /** The index [size², size²] flattened row-major (query-major). */
  static int[] of(int size) {
    int n = size * size;
    int span = 2 * size - 1;
    int[] index = new int[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        int dr = i / size - j / size + size - 1;
        int dc = i % size - j % size + size - 1;
        index[i * n + j] = dr * span + dc;
      }
    }
    return index;
  }

  /** Rows of the bias table: one per relative offset, (2·size − 1)². */
  static int tableRows(int size) {
    return (2 * size - 1) * (2 * size - 1);
  }
}
