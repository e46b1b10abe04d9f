package org.delineo.graph.testing;

/**
 * Plain-Java, double-precision PyTorch {@code grid_sample(input, 2·points − 1, mode='bilinear',
 * padding_mode='zeros', align_corners=False)} on channels-last arrays, written tap by tap from the
 * documented formula (pixel x = point_x·W − 0.5, pixel y = point_y·H − 0.5, taps outside the map
 * read 0), to check the graph implementation against.
 */
public final class ReferenceGridSample {
  private ReferenceGridSample() {}

  /**
   * @param input [n, h, w, c] row-major
   * @param points [n, p, 2] row-major, (x, y) per point
   * @return [n, p, c] row-major
   */
  public static double[] sample(float[] input, int n, int h, int w, int c, float[] points, int p) {
    double[] out = new double[n * p * c];
    for (int b = 0; b < n; b++) {
      for (int k = 0; k < p; k++) {
        double px = points[(b * p + k) * 2] * (double) w - 0.5;
        double py = points[(b * p + k) * 2 + 1] * (double) h - 0.5;
        int x0 = (int) Math.floor(px);
        int y0 = (int) Math.floor(py);
        for (int ch = 0; ch < c; ch++) {
          double sum = 0;
          for (int yy = y0; yy <= y0 + 1; yy++) {
            for (int xx = x0; xx <= x0 + 1; xx++) {
              double weight = (1 - Math.abs(px - xx)) * (1 - Math.abs(py - yy));
              sum += weight * at(input, b, yy, xx, ch, h, w, c);
            }
          }
          out[(b * p + k) * c + ch] = sum;
        }
      }
    }
    return out;
  }

  /** I[b, y, x, ch], or 0 outside the map (zero padding). */
  private static double at(float[] input, int b, int y, int x, int ch, int h, int w, int c) {
    if (y < 0 || y >= h || x < 0 || x >= w) {
      return 0;
    }
    return input[((b * h + y) * w + x) * c + ch];
  }
}
