package org.delineo.training.data.brats;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.BratsLayout;

/**
 * Draws a fixed modality mask per case with given per-modality missing rates (PASSION's
 * imbalanced missing-modality splits, e.g. flair 0.6, t1ce 0.4, t1 0.2, t2 0.8), never leaving a
 * case without modalities.
 *
 * <p>Modalities are drawn independently and an empty draw is redrawn. Redrawing alone would
 * lower every missing rate (the conditioning on "not empty" favours presence), so the presence
 * probabilities are first scaled: {@code q_m = (1 - r_m) · Z} with {@code Z = 1 - ∏(1 - q_m)} the
 * probability of a non-empty draw. Then {@code P(m present | non-empty) = q_m / Z = 1 - r_m}
 * exactly, and the modalities stay as independent as the constraint allows. Z is the positive
 * root of the concave {@code g(Z) = 1 - ∏(1 - (1 - r_m) Z)}, found by bisection; it exists iff
 * the expected number of present modalities {@code Σ(1 - r_m)} is at least 1.
 *
 * <p>A case's draw is seeded by (seed, case id), so it does not depend on the other cases.
 * PASSION instead fixes each combination's count by its expectation and shuffles; the realised
 * rates are the same in expectation.
 */
public final class ModalitySplitGenerator {
  private static final double EXACTLY_ONE = 1e-9;

  private ModalitySplitGenerator() {}

  /**
   * Draws a mask for every case.
   *
   * @param missingRates per modality in channel order [flair, t1ce, t1, t2], each in [0, 1]
   * @throws DelineoException when a rate is out of range or the rates leave fewer than one
   *     modality per case on average ({@code Σ(1 - r) < 1})
   */
  public static ModalitySplitCsv generate(
      String source, List<String> cases, double[] missingRates, long seed) {
    double[] present = presenceProbabilities(missingRates);
    boolean exactlyOne = present == null;
    Map<String, Integer> masks = new LinkedHashMap<>();
    for (String id : cases) {
      SplittableRandom rng = new SplittableRandom(CaseSeeds.mix(seed, CaseSeeds.hash(id)));
      boolean[] mask = new boolean[ModalityMasks.MODALITIES];
      if (exactlyOne) {
        mask[categorical(rng, missingRates)] = true;
      } else {
        boolean any = false;
        while (!any) {
          for (int m = 0; m < mask.length; m++) {
            mask[m] = rng.nextDouble() < present[m];
            any |= mask[m];
          }
        }
      }
      masks.put(id, ModalityMasks.indexOf(mask));
    }
    return ModalitySplitCsv.of(source, masks);
  }

  /**
   * Parses {@code flair=0.6,t1ce=0.4,t1=0.2,t2=0.8} into rates in channel order; every modality
   * must be given once.
   *
   * @throws DelineoException naming the offending entry
   */
  public static double[] parseRates(String text) {
    double[] rates = new double[ModalityMasks.MODALITIES];
    Arrays.fill(rates, Double.NaN);
    for (String entry : text.split(",")) {
      String[] kv = entry.split("=", -1);
      if (kv.length != 2) {
        throw new DelineoException("--rates: expected MODALITY=RATE entries like flair=0.6,"
            + " found '" + entry + "'");
      }
      String name = kv[0].trim().toLowerCase(Locale.ROOT);
      int m = BratsLayout.MODALITIES.indexOf(name);
      if (m < 0) {
        throw new DelineoException("--rates: unknown modality '" + kv[0].trim() + "'; expected"
            + " one of " + BratsLayout.MODALITIES);
      }
      if (!Double.isNaN(rates[m])) {
        throw new DelineoException("--rates: modality '" + name + "' is given twice");
      }
      try {
        rates[m] = Double.parseDouble(kv[1].trim());
      } catch (NumberFormatException e) {
        throw new DelineoException("--rates: expected a number for " + name + ", found '"
            + kv[1].trim() + "'");
      }
    }
    for (int m = 0; m < rates.length; m++) {
      if (Double.isNaN(rates[m])) {
        throw new DelineoException("--rates: missing a rate for " + BratsLayout.MODALITIES.get(m)
            + "; expected all of " + BratsLayout.MODALITIES + ", found '" + text + "'");
      }
    }
    return rates;
  }

  /** The scaled presence probabilities q, or null when exactly one modality must be present. */
  static double[] presenceProbabilities(double[] missingRates) {
    if (missingRates.length != ModalityMasks.MODALITIES) {
      throw new DelineoException("modality missing rates: expected 4 values [flair, t1ce, t1,"
          + " t2], found " + Arrays.toString(missingRates));
    }
    double[] p = new double[missingRates.length];
    double sum = 0;
    double allMissing = 1;
    for (int m = 0; m < p.length; m++) {
      double r = missingRates[m];
      if (!(r >= 0 && r <= 1)) {
        throw new DelineoException("missing rate of " + BratsLayout.MODALITIES.get(m)
            + ": expected a value in [0, 1], found " + r);
      }
      p[m] = 1 - r;
      sum += p[m];
      allMissing *= r;
    }
    if (sum < 1 - EXACTLY_ONE) {
      throw new DelineoException("modality missing rates " + Arrays.toString(missingRates)
          + " leave " + sum + " modalities per case on average; every case needs at least one,"
          + " so the sum of (1 - rate) must be at least 1");
    }
    if (sum <= 1 + EXACTLY_ONE) {
      return null;
    }
    double z = 1;
    if (allMissing > 0) {
      double lo = EXACTLY_ONE; // g(Z) > Z just above 0 because g'(0) = Σp > 1
      double hi = 1; // g(1) = 1 - ∏r < 1
      for (int i = 0; i < 200; i++) {
        double mid = (lo + hi) / 2;
        if (nonEmpty(p, mid) > mid) {
          lo = mid;
        } else {
          hi = mid;
        }
      }
      z = (lo + hi) / 2;
    }
    double[] q = new double[p.length];
    for (int m = 0; m < q.length; m++) {
      q[m] = p[m] * z;
    }
    return q;
  }

  private static double nonEmpty(double[] p, double z) {
    double none = 1;
    for (double pm : p) {
      none *= 1 - pm * z;
    }
    return 1 - none;
  }

  /** Exactly one modality, modality m with probability 1 - r_m (these sum to 1 here). */
  private static int categorical(SplittableRandom rng, double[] missingRates) {
    double u = rng.nextDouble();
    double acc = 0;
    for (int m = 0; m < missingRates.length; m++) {
      acc += 1 - missingRates[m];
      if (u < acc) {
        return m;
      }
    }
    for (int m = missingRates.length - 1; m >= 0; m--) {
      if (missingRates[m] < 1) {
        return m;
      }
    }
    return 0;
  }
}
