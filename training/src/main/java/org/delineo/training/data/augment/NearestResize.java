package org.delineo.training.data.augment;

import org.delineo.training.data.Sample;

/**
 * Resizes a 2D sample to a fixed {@code [H, W]} by nearest neighbour for image and label alike
 * (UniMatch resizes its weak view with an order-0 zoom). Output pixel {@code o} reads the input
 * pixel whose cell holds {@code o}'s centre, {@code floor((o + 0.5) · n / m)}, the convention of
 * the other resampling code here (scipy's zoom aligns corners instead; the two differ by at most
 * one source pixel). Spacing is scaled by n / m.
 */
public final class NearestResize implements Augmentation {
  private final int height;
  private final int width;

  /** Resize to {@code height x width}. */
  public NearestResize(int height, int width) {
    if (height < 1 || width < 1) {
      throw new org.delineo.graph.DelineoException(
          "NearestResize: expected a positive size, found " + height + "x" + width);
    }
    this.height = height;
    this.width = width;
  }

  @Override
  public Sample apply(Sample sample, java.util.random.RandomGenerator rng) {
    return resize(sample, height, width);
  }

  /** {@code sample} resized to {@code h x w}; the sample itself when it already has that size. */
  public static Sample resize(Sample sample, int h, int w) {
    Grid g = Grid.of(sample);
    if (g.spatialRank != 2) {
      throw new org.delineo.graph.ShapeMismatchException(sample.id()
          + ": NearestResize needs a 2D sample [H, W, C], found shape "
          + java.util.Arrays.toString(sample.imageShape()));
    }
    if (g.h == h && g.w == w) {
      return sample;
    }
    int c = g.c;
    int[] rows = sources(g.h, h);
    int[] cols = sources(g.w, w);
    float[] in = sample.image();
    float[] image = new float[h * w * c];
    int[] label = sample.labeled() ? new int[h * w] : null;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int src = rows[y] * g.w + cols[x];
        System.arraycopy(in, src * c, image, (y * w + x) * c, c);
        if (label != null) {
          label[y * w + x] = sample.label()[src];
        }
      }
    }
    double[] spacing = sample.spacing();
    if (spacing != null && spacing.length == 2) {
      spacing = new double[] {spacing[0] * g.h / h, spacing[1] * g.w / w};
    }
    return g.with(sample, new int[] {1, h, w}, image, label, spacing);
  }

  private static int[] sources(int n, int m) {
    int[] src = new int[m];
    for (int o = 0; o < m; o++) {
      src[o] = Math.min((int) Math.floor((o + 0.5) * n / m), n - 1);
    }
    return src;
  }
}
