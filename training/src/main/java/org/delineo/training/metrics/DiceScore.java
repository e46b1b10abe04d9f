package org.delineo.training.metrics;

import org.delineo.graph.ShapeMismatchException;

/**
 * Dice coefficient of a predicted and a reference binary mask under the conventions of the
 * literature (reference-methods.md §6.2), which differ only when a mask is empty.
 */
public final class DiceScore {
  /** The smoothing term of PASSION's / RFNet's evaluation Dice. */
  public static final double PASSION_SMOOTH = 1e-8;

  /** Which formula and empty-mask handling to use. */
  public enum Convention {
    /**
     * PASSION / RFNet evaluation: (2·|O ∩ T| + 1e-8) / (|O| + |T| + 1e-8), so both empty → 1 and
     * exactly one empty → 1e-8 / (n + 1e-8), practically 0. Computed in double here (the
     * reference computes in float32).
     */
    PASSION,
    /** BraTS challenge: 2·|O ∩ T| / (|O| + |T|); both empty → 1; exactly one empty → 0. */
    BRATS,
    /**
     * SSL4MIS ({@code val_2D.py}, medpy {@code dc}): 2·|O ∩ T| / (|O| + |T|); an empty prediction
     * or reference → 0 (including both empty).
     */
    SSL4MIS
  }

  private DiceScore() {}

  /** The Dice of {@code prediction} against {@code reference} under {@code convention}. */
  public static double of(Convention convention, boolean[] prediction, boolean[] reference) {
    return switch (convention) {
      case PASSION -> passion(prediction, reference);
      case BRATS -> brats(prediction, reference);
      case SSL4MIS -> ssl4mis(prediction, reference);
    };
  }

  /** {@link Convention#PASSION}. */
  public static double passion(boolean[] prediction, boolean[] reference) {
    long[] c = counts(prediction, reference);
    return (2.0 * c[0] + PASSION_SMOOTH) / (c[1] + c[2] + PASSION_SMOOTH);
  }

  /** {@link Convention#BRATS}. */
  public static double brats(boolean[] prediction, boolean[] reference) {
    long[] c = counts(prediction, reference);
    return c[1] + c[2] == 0 ? 1.0 : 2.0 * c[0] / (c[1] + c[2]);
  }

  /** {@link Convention#SSL4MIS}. */
  public static double ssl4mis(boolean[] prediction, boolean[] reference) {
    long[] c = counts(prediction, reference);
    return c[1] == 0 || c[2] == 0 ? 0.0 : 2.0 * c[0] / (c[1] + c[2]);
  }

  /** {intersection, |prediction|, |reference|}. */
  private static long[] counts(boolean[] prediction, boolean[] reference) {
    if (prediction.length != reference.length) {
      throw new ShapeMismatchException("dice: prediction of " + prediction.length
          + " voxels needs a reference of as many, found " + reference.length);
    }
    long both = 0;
    long pred = 0;
    long ref = 0;
    for (int i = 0; i < prediction.length; i++) {
      if (prediction[i]) {
        pred++;
        if (reference[i]) {
          both++;
        }
      }
      if (reference[i]) {
        ref++;
      }
    }
    return new long[] {both, pred, ref};
  }
}
