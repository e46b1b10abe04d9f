package org.delineo.training.metrics;

import org.delineo.graph.DelineoException;

/**
 * The BraTS evaluation regions over a label volume with labels {0, 1, 2, 3} (after the 4 → 3
 * mapping): WT = {1, 2, 3}, TC = {1, 3}, ET = {3}; and ETPro, the ET prediction set empty when it
 * has fewer than a threshold of voxels (500 in RFNet/PASSION; reference-methods.md §6.1). Only the
 * prediction is post-processed; WT and TC are never modified. Per case, Dice and HD95 per region
 * are scored under an {@link EmptyMaskRule} (spacing 1 mm unless a grid says otherwise).
 */
public final class BratsRegions {
  /** RFNet's / PASSION's ETPro threshold in voxels. */
  public static final int DEFAULT_ET_PRO_MIN_VOXELS = 500;

  /** A tumour region: the union of some labels. */
  public enum Region {
    /** Whole tumour: necrosis/non-enhancing core (1), oedema (2), enhancing tumour (3). */
    WT(1, 2, 3),
    /** Tumour core: labels 1 and 3. */
    TC(1, 3),
    /** Enhancing tumour: label 3. */
    ET(3);

    private final int[] labels;

    Region(int... labels) {
      this.labels = labels;
    }

    /** Whether {@code label} belongs to this region. */
    public boolean contains(int label) {
      for (int l : labels) {
        if (l == label) {
          return true;
        }
      }
      return false;
    }

    /** The region's binary mask over a flattened label volume. */
    public boolean[] mask(int[] labelVolume) {
      boolean[] out = new boolean[labelVolume.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = contains(labelVolume[i]);
      }
      return out;
    }
  }

  private BratsRegions() {}

  /**
   * ETPro post-processing of a predicted ET mask: a copy, all empty when it has fewer than
   * {@code minVoxels} voxels (an ET of exactly {@code minVoxels} is kept).
   */
  public static boolean[] etPro(boolean[] predictedEt, int minVoxels) {
    if (minVoxels < 0) {
      throw new DelineoException("ETPro threshold must be ≥ 0 voxels, found " + minVoxels);
    }
    return SurfaceDistance.count(predictedEt) < minVoxels
        ? new boolean[predictedEt.length] : predictedEt.clone();
  }

  /** {@link #evaluate(int[], int[], VoxelGrid, EmptyMaskRule, int)} at 1 mm with the 500 rule. */
  public static BratsCaseScores evaluate(int[] prediction, int[] reference, int[] shape,
      EmptyMaskRule rule) {
    return evaluate(prediction, reference, VoxelGrid.isotropic(shape), rule,
        DEFAULT_ET_PRO_MIN_VOXELS);
  }

  /**
   * Dice and HD95 of WT, TC, ET and ETPro for one case.
   *
   * @param prediction predicted labels, flattened over {@code grid}
   * @param reference ground-truth labels, flattened over {@code grid}
   * @param rule empty-mask convention (Dice formula and HD95 of empty cases)
   * @param etProMinVoxels predicted ET volumes below this are set empty for ETPro
   */
  public static BratsCaseScores evaluate(int[] prediction, int[] reference, VoxelGrid grid,
      EmptyMaskRule rule, int etProMinVoxels) {
    grid.requireLength(prediction.length, "BraTS prediction");
    grid.requireLength(reference.length, "BraTS reference");
    MaskScores wt = score(Region.WT, prediction, reference, grid, rule);
    MaskScores tc = score(Region.TC, prediction, reference, grid, rule);
    boolean[] predEt = Region.ET.mask(prediction);
    boolean[] refEt = Region.ET.mask(reference);
    MaskScores et = rule.score(predEt, refEt, grid);
    MaskScores etPro = rule.score(etPro(predEt, etProMinVoxels), refEt, grid);
    return new BratsCaseScores(wt.dice(), tc.dice(), et.dice(), etPro.dice(),
        wt.hd95(), tc.hd95(), et.hd95(), etPro.hd95());
  }

  private static MaskScores score(Region region, int[] prediction, int[] reference,
      VoxelGrid grid, EmptyMaskRule rule) {
    return rule.score(region.mask(prediction), region.mask(reference), grid);
  }
}
