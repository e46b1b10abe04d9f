package org.delineo.serving;

/** How {@link SlidingWindow} (and so {@link Predictor}) fills an input that is smaller than the model's window before cropping back. */
public enum PadMode {
  /** Pad with zeros (as a network's SAME padding does). */
  ZERO,
  /** Repeat the border voxel outwards (avoids an artificial dark rim for intensity images). */
  EDGE
}
