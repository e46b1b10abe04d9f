package org.delineo.training.metrics;

/**
 * The scores of one predicted binary mask against its reference: Dice (a fraction), HD95, the
 * directed ASD (prediction → reference, medpy {@code asd}) and the symmetric ASSD (medpy
 * {@code assd}), distances in the grid's physical units. Values fixed by an {@link EmptyMaskRule}
 * may be NaN where that rule defines none.
 */
public record MaskScores(double dice, double hd95, double asd, double assd) {

  /** One of the scores, for tables and aggregation. */
  public enum Metric {
    DICE, HD95, ASD, ASSD;

    /** The value of this metric in {@code scores}. */
    public double of(MaskScores scores) {
      return switch (this) {
        case DICE -> scores.dice();
        case HD95 -> scores.hd95();
        case ASD -> scores.asd();
        case ASSD -> scores.assd();
      };
    }
  }
}
