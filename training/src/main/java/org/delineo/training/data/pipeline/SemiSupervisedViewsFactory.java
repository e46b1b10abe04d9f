package org.delineo.training.data.pipeline;

import java.util.ArrayList;
import java.util.List;
import org.delineo.proto.AugmentationConfig;
import org.delineo.proto.DataConfig;
import org.delineo.proto.StrongAugmentationConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.data.augment.Augmentation;
import org.delineo.training.data.augment.ColorJitter;
import org.delineo.training.data.augment.Compose;
import org.delineo.training.data.augment.CutMixBox;
import org.delineo.training.data.augment.Fill;
import org.delineo.training.data.augment.GaussianBlur;
import org.delineo.training.data.augment.RandomApply;
import org.delineo.training.data.augment.RandomFlip;
import org.delineo.training.data.augment.RandomRot90;
import org.delineo.training.data.augment.RandomRotation;

/**
 * The {@link SemiSupervisedViews} of {@code data}. Weak geometry, as UniMatch's {@code
 * dataset/acdc.py}: with probability {@code rot90_prob} a rot90 (k uniform) followed by a flip of
 * one random axis; otherwise, with probability {@code rotation_prob}, a rotation in
 * [−rotation_degrees, rotation_degrees) (bilinear image, nearest labels, background fill); then
 * each axis flipped with {@code flip_prob}. UniMatch's weak view is rot90_prob 0.5,
 * rotation_degrees 20, rotation_prob 0.5, flip_prob 0; SemSim's flip-only view is the defaults.
 * Resize to {@code crop_size} (default 224 for ISIC, 256 otherwise). Strong view: colour jitter
 * with {@code color_jitter_prob}, then blur σ ~ U[blur_sigma_min, blur_sigma_max] pixels (UniMatch's
 * [0.1, 2] at 256², the defaults) with {@code blur_prob}; CutMix boxes from the strong config.
 */
public final class SemiSupervisedViewsFactory {
  /** Default training size of ISIC (SemSim / UniMatch use 224 here). */
  public static final int ISIC_SIZE = 224;
  /** Default training size of the slice datasets (UniMatch ACDC). */
  public static final int SLICE_SIZE = 256;

  private SemiSupervisedViewsFactory() {}

  /**
   * The views for {@code data}.
   *
   * @param intensityMax the largest intensity of the loaded images: 1 for min-max scaled slices,
   *     255 for raw 8-bit RGB (ISIC)
   */
  public static SemiSupervisedViews of(DataConfig data, float intensityMax) {
    AugmentationConfig a = data.getAugmentation();
    StrongAugmentationConfig s = a.getStrong();
    int[] size = size(data);
    Augmentation strong = Compose.of(
        new RandomApply(s.getColorJitterProb(), new ColorJitter(
            s.getBrightness(), s.getContrast(), s.getSaturation(), s.getHue(), intensityMax)),
        new GaussianBlur(s.getBlurSigmaMin(), s.getBlurSigmaMax(), s.getBlurProb()));
    CutMixBox cutmix = new CutMixBox(s.getCutmixProb(), s.getCutmixAreaMin(),
        s.getCutmixAreaMax(), s.getCutmixAspectMin());
    return new SemiSupervisedViews(weakGeometry(a), size[0], size[1], strong, cutmix);
  }

  /** The training size (H, W): {@code crop_size} or the layout's default. */
  static int[] size(DataConfig data) {
    if (data.getCropSizeCount() == 0) {
      int n = data.getLayout() == DataConfig.Layout.ISIC ? ISIC_SIZE : SLICE_SIZE;
      return new int[] {n, n};
    }
    if (data.getCropSizeCount() != 2) {
      throw new ConfigException("field 'data.crop_size': semi-supervised 2D training expects"
          + " [H, W], found " + data.getCropSizeList());
    }
    return new int[] {data.getCropSize(0), data.getCropSize(1)};
  }

  private static Augmentation weakGeometry(AugmentationConfig a) {
    RandomRot90 rot90 = new RandomRot90();
    RandomFlip flipRows = RandomFlip.perAxis(1, 0);
    RandomFlip flipCols = RandomFlip.perAxis(0, 1);
    RandomRotation rotation = new RandomRotation(-a.getRotationDegrees(), a.getRotationDegrees())
        .withFill(Fill.MEDICAL);
    double rot90Prob = a.getRot90Prob();
    double rotationProb = a.getRotationDegrees() > 0 ? a.getRotationProb() : 0;
    List<Augmentation> steps = new ArrayList<>();
    steps.add((sample, rng) -> {
      if (rot90Prob > 0 && rng.nextDouble() < rot90Prob) {
        // UniMatch random_rot_flip: rot90 by k, then flip exactly one random axis.
        sample = rot90.apply(sample, rng);
        return rng.nextInt(2) == 0 ? flipRows.apply(sample, rng) : flipCols.apply(sample, rng);
      }
      if (rotationProb > 0 && rng.nextDouble() < rotationProb) {
        return rotation.apply(sample, rng);
      }
      return sample;
    });
    if (a.getFlipProb() > 0) {
      steps.add(RandomFlip.allAxes(a.getFlipProb()));
    }
    return new Compose(steps);
  }
}
