package org.delineo.training.metrics;

import java.util.List;
import org.delineo.graph.ShapeMismatchException;

/**
 * One BraTS case's (or one table row's) scores: Dice as fractions and HD95 in mm for the regions
 * WT, TC, ET and ETPro (ET after the small-volume post-processing), in {@link #COLUMNS} order.
 */
public record BratsCaseScores(double diceWt, double diceTc, double diceEt, double diceEtPro,
    double hd95Wt, double hd95Tc, double hd95Et, double hd95EtPro) {

  /** Column names, in the order of {@link #values()}. */
  public static final List<String> COLUMNS = List.of("dice_wt", "dice_tc", "dice_et",
      "dice_etpro", "hd95_wt", "hd95_tc", "hd95_et", "hd95_etpro");

  /** Number of Dice columns at the start of {@link #COLUMNS}; the rest are HD95. */
  public static final int DICE_COLUMNS = 4;

  /** The eight values in {@link #COLUMNS} order. */
  public double[] values() {
    return new double[] {diceWt, diceTc, diceEt, diceEtPro, hd95Wt, hd95Tc, hd95Et, hd95EtPro};
  }

  /** The scores from eight values in {@link #COLUMNS} order. */
  public static BratsCaseScores of(double[] v) {
    if (v.length != COLUMNS.size()) {
      throw new ShapeMismatchException("BraTS scores: expected "
          + COLUMNS.size() + " values " + COLUMNS + ", found " + v.length);
    }
    return new BratsCaseScores(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
  }
}
