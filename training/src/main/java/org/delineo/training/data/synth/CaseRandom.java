package org.delineo.training.data.synth;

/**
 * The random stream of one synthetic case, a pure function of (seed, case index, salt).
 *
 * <p>Hand-written SplitMix64 rather than {@code java.util.SplittableRandom} or {@code Random}'s
 * Gaussian so that the generated files are byte-identical on every JDK, and so that each case can
 * be regenerated alone without drawing the cases before it.
 */
final class CaseRandom {
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private long state;
  private double spareGaussian = Double.NaN;

  private CaseRandom(long state) {
    this.state = state;
  }

  /** The stream for case {@code index} of a dataset generated with {@code seed}. */
  static CaseRandom of(long seed, int index, long salt) {
    long s = mix(seed ^ mix(salt + GOLDEN));
    return new CaseRandom(mix(s + GOLDEN * (index + 1L)));
  }

  /** A uniform 64-bit value. */
  long nextLong() {
    state += GOLDEN;
    return mix(state);
  }

  /** Uniform in [0, 1). */
  double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform in [lo, hi). */
  double uniform(double lo, double hi) {
    return lo + (hi - lo) * nextDouble();
  }

  /** Uniform integer in [0, bound). */
  int nextInt(int bound) {
    return (int) Math.floor(nextDouble() * bound);
  }

  /** Uniform integer in [lo, hi] inclusive. */
  int between(int lo, int hi) {
    return lo + nextInt(hi - lo + 1);
  }

  /** True with probability p. */
  boolean chance(double p) {
    return nextDouble() < p;
  }

  /** Standard normal by the polar Box-Muller method (pure arithmetic, no platform variance). */
  double gaussian() {
    if (!Double.isNaN(spareGaussian)) {
      double g = spareGaussian;
      spareGaussian = Double.NaN;
      return g;
    }
    double u;
    double v;
    double s;
    do {
      u = 2 * nextDouble() - 1;
      v = 2 * nextDouble() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s == 0);
    double factor = StrictMath.sqrt(-2 * StrictMath.log(s) / s);
    spareGaussian = v * factor;
    return u * factor;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
