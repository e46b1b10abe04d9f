package org.delineo.graph.layers;

/**
 * TF's padding rule for {@link Pooling} windows: SAME gives ceil(in/stride) outputs (padding split
 * with the extra cell at the end), VALID keeps only windows that fit entirely inside the input.
 */
public enum PoolPadding {
  SAME,
  VALID
}
