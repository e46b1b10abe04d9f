package org.delineo.training.data.augment;

import java.util.random.RandomGenerator;
import org.delineo.graph.DelineoException;

/** Random draws and parameter checks shared by the augmentations of this package. */
final class Draw {
  private Draw() {}

  /** Uniform in [lo, hi); exactly {@code lo} without consuming a draw when the range is empty. */
  static double uniform(RandomGenerator rng, double lo, double hi) {
    return lo == hi ? lo : rng.nextDouble(lo, hi);
  }

  static double probability(String what, double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new DelineoException(what + ": expected a probability in [0, 1], found " + p);
    }
    return p;
  }

  static void range(String what, double lo, double hi) {
    if (!(lo <= hi) || Double.isInfinite(lo) || Double.isInfinite(hi)) {
      throw new DelineoException(what + ": expected a finite range lo <= hi, found [" + lo + ", " + hi + "]");
    }
  }

  static void nonNegative(String what, double v) {
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new DelineoException(what + ": expected a finite value >= 0, found " + v);
    }
  }
}
