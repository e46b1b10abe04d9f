package org.delineo.training.data.pipeline;

/**
 * Derives independent 64-bit seeds from (seed, tag, ...) tuples with the SplitMix64 finaliser, so
 * every epoch order and every sample's augmentation has its own stream regardless of which thread
 * computes it.
 */
final class Seeds {
  static final long SHUFFLE = 0x5348554646L;
  static final long SAMPLE = 0x53414d504cL;
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private Seeds() {}

  static long mix(long... parts) {
    long h = GOLDEN;
    for (long p : parts) {
      h = fmix(h ^ fmix(p + GOLDEN));
      h += GOLDEN;
    }
    return fmix(h);
  }

  private static long fmix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
