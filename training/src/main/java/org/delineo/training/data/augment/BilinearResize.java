package org.delineo.training.data.augment;

/**
 * Bilinear resizing of a row-major {@code [H, W, C]} array with half-pixel centres and edge
 * clamping, without antialiasing: PyTorch's {@code F.interpolate(mode='bilinear',
 * align_corners=False)} and mmcv's {@code imresize} (cv2 INTER_LINEAR), which mmseg and UniMatch
 * use to resize test images and to bring predictions back to the label size. Bilinear is separable,
 * so it is the linear resample of {@link AxisResample} along H, then along W.
 */
public final class BilinearResize {
  private BilinearResize() {}

  /**
   * {@code values} ({@code [h, w, c]}) resized to {@code [newH, newW, c]}; a copy when the size
   * is unchanged (the half-pixel mapping is then the identity).
   *
   * @throws org.delineo.graph.ShapeMismatchException when {@code values} does not hold h·w·c values
   * @throws org.delineo.graph.DelineoException when a size is not positive
   */
  public static float[] resize(float[] values, int h, int w, int c, int newH, int newW) {
    if (h < 1 || w < 1 || c < 1 || newH < 1 || newW < 1) {
      throw new org.delineo.graph.DelineoException("bilinear resize: expected positive sizes, found "
          + h + "x" + w + "x" + c + " -> " + newH + "x" + newW);
    }
    if ((long) h * w * c != values.length) {
      throw new org.delineo.graph.ShapeMismatchException("bilinear resize: expected " + ((long) h * w * c)
          + " values for " + h + "x" + w + "x" + c + ", found " + values.length);
    }
    float[] rows = h == newH ? values.clone() : AxisResample.linear(values, 1, h, w * c, newH);
    return w == newW ? rows : AxisResample.linear(rows, newH, w, c, newW);
  }
}
