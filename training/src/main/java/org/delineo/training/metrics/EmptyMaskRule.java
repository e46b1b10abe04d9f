package org.delineo.training.metrics;

/**
 * How a benchmark scores a case whose prediction or reference mask is empty, where surface
 * distances are undefined (medpy raises). State the rule next to every reported number
 * (reference-methods.md §6.3, decision MX-1). When both masks are non-empty the scores are
 * always the medpy ones and only the Dice formula ({@link #dice()}) differs between rules.
 *
 * @param name short name printed with results
 * @param dice the Dice formula, which carries its own empty handling
 * @param hd95BothEmpty HD95 when prediction and reference are both empty
 * @param hd95OneEmpty HD95 when exactly one is empty
 * @param asdBothEmpty ASD and ASSD when both are empty (NaN: the rule defines none)
 * @param asdOneEmpty ASD and ASSD when exactly one is empty (NaN: the rule defines none)
 */
public record EmptyMaskRule(String name, DiceScore.Convention dice, double hd95BothEmpty,
    double hd95OneEmpty, double asdBothEmpty, double asdOneEmpty) {

  /**
   * The BraTS image diagonal in mm, sqrt(240² + 240² + 155²) ≈ 373.12866 (373.13 as usually
   * printed): the HD95 given when exactly one mask is empty.
   */
  public static final double BRATS_MAX_DISTANCE = 373.12866;

  /**
   * BraTS challenge: both empty → Dice 1, HD95 0; exactly one empty → Dice 0, HD95 373.13 mm.
   * The challenge defines no ASD, so ASD/ASSD of an empty case are NaN.
   */
  public static final EmptyMaskRule BRATS = new EmptyMaskRule("brats", DiceScore.Convention.BRATS,
      0.0, BRATS_MAX_DISTANCE, Double.NaN, Double.NaN);

  /**
   * PASSION's {@code predict.py}: Dice with the 1e-8 smoothing (both empty → 1, one empty ≈ 0);
   * HD95 both empty → 0, exactly one empty → 1.0 (not 373.13, which lowers averages). ASD/ASSD of
   * an empty case are NaN (not reported there).
   */
  public static final EmptyMaskRule PASSION = new EmptyMaskRule("passion",
      DiceScore.Convention.PASSION, 0.0, 1.0, Double.NaN, Double.NaN);

  /**
   * SSL4MIS lineage (ACDC): an empty prediction or reference (either or both) → Dice 0, HD95 50,
   * ASD 10 (ASSD 10 too).
   */
  public static final EmptyMaskRule SSL4MIS = new EmptyMaskRule("ssl4mis",
      DiceScore.Convention.SSL4MIS, 50.0, 50.0, 10.0, 10.0);

  /**
   * The scores of {@code prediction} against {@code reference}: medpy's when both are non-empty,
   * this rule's values otherwise.
   */
  public MaskScores score(boolean[] prediction, boolean[] reference, VoxelGrid grid) {
    grid.requireLength(prediction.length, name + " prediction");
    grid.requireLength(reference.length, name + " reference");
    double d = DiceScore.of(dice, prediction, reference);
    int predicted = SurfaceDistance.count(prediction);
    int referenced = SurfaceDistance.count(reference);
    if (predicted == 0 && referenced == 0) {
      return new MaskScores(d, hd95BothEmpty, asdBothEmpty, asdBothEmpty);
    }
    if (predicted == 0 || referenced == 0) {
      return new MaskScores(d, hd95OneEmpty, asdOneEmpty, asdOneEmpty);
    }
    SurfaceDistance s = SurfaceDistance.between(prediction, reference, grid);
    return new MaskScores(d, s.hd95(), s.asd(), s.assd());
  }

  /** The HD95 alone under this rule. */
  public double hd95(boolean[] prediction, boolean[] reference, VoxelGrid grid) {
    return score(prediction, reference, grid).hd95();
  }

  @Override
  public String toString() {
    return name;
  }
}
