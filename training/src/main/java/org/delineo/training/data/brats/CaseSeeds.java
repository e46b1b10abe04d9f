package org.delineo.training.data.brats;

import java.nio.charset.StandardCharsets;

/**
 * Seeds derived from (seed, case id, counter) tuples, so that a case's draw does not depend on
 * which other cases exist, on their order, or on the thread that asks: a resumed run that replays
 * the same counters gets the same masks.
 */
final class CaseSeeds {
  private static final long GOLDEN = 0x9E3779B97F4A7C15L;

  private CaseSeeds() {}

  /** A 64-bit FNV-1a hash of the id's UTF-8 bytes (stable across JVMs, unlike identity hashes). */
  static long hash(String id) {
    long h = 0xcbf29ce484222325L;
    for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xFF;
      h *= 0x100000001b3L;
    }
    return h;
  }

  /** Mixes the parts with the SplitMix64 finaliser into one well-spread seed. */
  static long mix(long... parts) {
    long h = GOLDEN;
    for (long p : parts) {
      h = fmix(h ^ fmix(p + GOLDEN)) + GOLDEN;
    }
    return fmix(h);
  }

  private static long fmix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
