package org.delineo.graph.layers;

/**
 * How output pixel centres map onto input coordinates in {@link Resize}; the two PyTorch
 * {@code align_corners} conventions.
 */
public enum ResizeMode {
  /**
   * PyTorch {@code align_corners=True}: the corner pixels of input and output coincide, so output
   * index i samples input coordinate i·(in−1)/(out−1). TF ResizeBilinear {@code align_corners=true}.
   */
  ALIGN_CORNERS,
  /**
   * PyTorch {@code align_corners=False}: pixels are unit cells and their centres are aligned, so
   * output index i samples (i+0.5)·in/out − 0.5, clamped to [0, in−1]. TF ResizeBilinear
   * {@code half_pixel_centers=true}.
   */
  HALF_PIXEL
}
