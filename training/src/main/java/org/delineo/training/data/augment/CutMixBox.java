package org.delineo.training.data.augment;

import java.util.random.RandomGenerator;
import org.delineo.graph.DelineoException;

/**
 * Draws CutMix boxes as UniMatch's {@code obtain_cutmix_box}: with probability p a box, else none;
 * the box area A ~ U[areaMin, areaMax] · H · W is drawn once, then (ratio r ~ U[aspectMin,
 * 1 / aspectMin], top-left y ~ U{0..H−1}, x ~ U{0..W−1}) are redrawn until the box of width
 * {@code floor(sqrt(A / r))} and height {@code floor(sqrt(A · r))} lies fully inside the image.
 * UniMatch defaults: p 0.5, area [0.02, 0.4], aspect [0.3, 1/0.3].
 */
public final class CutMixBox {
  /** Draws before giving up on fitting a box (never reached for valid parameters in practice). */
  private static final int MAX_TRIES = 1_000_000;

  /**
   * A drawn box: rows {@code [y, y + height)}, columns {@code [x, x + width)}; {@link #NONE} when
   * no box was drawn.
   */
  public record Box(int y, int x, int height, int width) {
    /** No box (the strong view is not mixed). */
    public static final Box NONE = new Box(0, 0, 0, 0);

    /** Whether there is a box. */
    public boolean present() {
      return height > 0 && width > 0;
    }

    /** Pixel count of the box. */
    public int area() {
      return height * width;
    }

    /** The box as a row-major {@code [h, w]} mask: 1 inside, 0 outside. */
    public float[] mask(int h, int w) {
      float[] m = new float[h * w];
      for (int r = y; r < y + height; r++) {
        for (int c = x; c < x + width; c++) {
          m[r * w + c] = 1f;
        }
      }
      return m;
    }
  }

  private final double p;
  private final double areaMin;
  private final double areaMax;
  private final double aspectMin;

  /** UniMatch's generator: p 0.5, area [0.02, 0.4], aspect [0.3, 1/0.3]. */
  public CutMixBox() {
    this(0.5, 0.02, 0.4, 0.3);
  }

  /**
   * A generator with box probability {@code p}, area fractions in [areaMin, areaMax] and aspect
   * ratios (height / width) in [aspectMin, 1 / aspectMin].
   *
   * @throws DelineoException for p outside [0, 1], areas outside (0, 1] or unordered, aspectMin
   *     outside (0, 1]
   */
  public CutMixBox(double p, double areaMin, double areaMax, double aspectMin) {
    this.p = Draw.probability("CutMixBox p", p);
    Draw.range("CutMixBox area", areaMin, areaMax);
    if (!(areaMin > 0 && areaMax <= 1)) {
      throw new DelineoException("CutMixBox area: expected fractions in (0, 1], found [" + areaMin
          + ", " + areaMax + "]");
    }
    if (!(aspectMin > 0 && aspectMin <= 1)) {
      throw new DelineoException("CutMixBox aspect: expected a minimum ratio in (0, 1], found "
          + aspectMin);
    }
    this.areaMin = areaMin;
    this.areaMax = areaMax;
    this.aspectMin = aspectMin;
  }

  /** Draws a box for an {@code h x w} image, or {@link Box#NONE} with probability 1 − p. */
  public Box draw(int h, int w, RandomGenerator rng) {
    if (h < 1 || w < 1) {
      throw new DelineoException("CutMixBox: expected a positive image size, found " + h + "x" + w);
    }
    if (!(rng.nextDouble() < p)) {
      return Box.NONE;
    }
    double area = Draw.uniform(rng, areaMin, areaMax) * h * w;
    for (int t = 0; t < MAX_TRIES; t++) {
      double ratio = Draw.uniform(rng, aspectMin, 1 / aspectMin);
      int bw = (int) Math.sqrt(area / ratio);
      int bh = (int) Math.sqrt(area * ratio);
      int x = rng.nextInt(w);
      int y = rng.nextInt(h);
      if (x + bw <= w && y + bh <= h) {
        return new Box(y, x, bh, bw);
      }
    }
    throw new DelineoException("CutMixBox: no box of area " + area + " fits a " + h + "x" + w
        + " image after " + MAX_TRIES + " draws");
  }

  /** Draws a box for an {@code h x w} image and returns it as a mask (all 0 when no box). */
  public float[] mask(int h, int w, RandomGenerator rng) {
    return draw(h, w, rng).mask(h, w);
  }
}
