package org.delineo.training.data.augment;

import java.util.ArrayList;
import java.util.List;
import org.delineo.proto.AugmentationConfig;
import org.delineo.proto.DataConfig;

/**
 * The training augmentation pipeline of {@code data}.
 *
 * <p>2D, in mmseg's order: random scale, random crop (with {@code cat_max_ratio}), flips, rot90
 * and small rotations, photometric changes (8-bit range), blur, intensity shift and scale.
 *
 * <p>3D, in the RFNet / PASSION order (reference-methods.md §4.3): random crop (data.crop_size;
 * 80³ for real BraTS when unset), rotation by a whole number of degrees in
 * [-rotation_degrees, rotation_degrees) in one random axis plane (nearest neighbour for image and
 * label; image fill -1 as the reference, label fill 0 = background), per-modality intensity
 * scale/shift, then an independent flip of each axis. The reference always rotates, so for
 * volumes the rotation probability is 1 unless {@code rotation_prob} is set explicitly. Random
 * scale, rot90 and blur, when configured, are inserted before the crop and after the rotation.
 */
public final class AugmentationFactory {
  /** The reference 3D training crop (RFNet / PASSION RandCrop3D). */
  public static final int BRATS_CROP = 80;
  /** Image value where a 3D rotation reads outside the volume (PASSION RandomRotion cval). */
  public static final float ROTATION_IMAGE_FILL = -1f;

  private AugmentationFactory() {}

  public static Augmentation training(DataConfig data, boolean volumetric) {
    return volumetric ? volume(data) : image(data);
  }

  private static Augmentation image(DataConfig data) {
    AugmentationConfig a = data.getAugmentation();
    List<Augmentation> steps = new ArrayList<>();
    RandomCrop crop = data.getCropSizeCount() == 0 ? null : new RandomCrop(cropSize(data));
    if (crop != null && a.getCatMaxRatio() < 1f) {
      crop = crop.withCatMaxRatio(a.getCatMaxRatio(), data.getIgnoreIndex());
    }
    addScaleAndCrop(steps, a, crop);
    if (a.getFlipProb() > 0) {
      steps.add(RandomFlip.horizontal(a.getFlipProb()));
    }
    if (a.getRot90Prob() > 0) {
      steps.add(new RandomApply(a.getRot90Prob(), new RandomRot90()));
    }
    if (a.getRotationDegrees() > 0) {
      steps.add(new RandomApply(a.getRotationProb(),
          new RandomRotation(-a.getRotationDegrees(), a.getRotationDegrees())));
    }
    if (a.getPhotometric()) {
      steps.add(new Photometric(0f, 255f));
    }
    if (a.getBlurProb() > 0) {
      steps.add(new GaussianBlur(0.1, 2.0, a.getBlurProb()));
    }
    if (a.getIntensityShift() > 0 || a.getIntensityScale() > 0) {
      steps.add(new IntensityShiftScale(a.getIntensityScale(), a.getIntensityShift()));
    }
    return new Compose(steps);
  }

  private static Augmentation volume(DataConfig data) {
    AugmentationConfig a = data.getAugmentation();
    List<Augmentation> steps = new ArrayList<>();
    RandomCrop crop = null;
    if (data.getCropSizeCount() > 0) {
      crop = new RandomCrop(cropSize(data));
    } else if (data.getLayout() == DataConfig.Layout.BRATS) {
      crop = new RandomCrop(BRATS_CROP, BRATS_CROP, BRATS_CROP);
    }
    addScaleAndCrop(steps, a, crop);
    if (a.getRotationDegrees() > 0) {
      Augmentation rotation = new RandomRotation(-a.getRotationDegrees(), a.getRotationDegrees())
          .withNearestImage()
          .withIntegerDegrees()
          .withFill(new Fill(ROTATION_IMAGE_FILL, 0));
      steps.add(a.hasRotationProb() ? new RandomApply(a.getRotationProb(), rotation) : rotation);
    }
    if (a.getRot90Prob() > 0) {
      steps.add(new RandomApply(a.getRot90Prob(), new RandomRot90()));
    }
    if (a.getBlurProb() > 0) {
      steps.add(new GaussianBlur(0.1, 2.0, a.getBlurProb()));
    }
    if (a.getIntensityShift() > 0 || a.getIntensityScale() > 0) {
      steps.add(new IntensityShiftScale(a.getIntensityScale(), a.getIntensityShift()));
    }
    if (a.getFlipProb() > 0) {
      steps.add(RandomFlip.allAxes(a.getFlipProb()));
    }
    return new Compose(steps);
  }

  /** The configured rescale and crop ({@code crop} null: none), fused when both are there. */
  private static void addScaleAndCrop(List<Augmentation> steps, AugmentationConfig a, RandomCrop crop) {
    RandomScale scale = a.getScaleMin() != 1f || a.getScaleMax() != 1f
        ? new RandomScale(a.getScaleMin(), a.getScaleMax()) : null;
    if (scale != null && crop != null) {
      steps.add(new ScaledCrop(scale, crop));
    } else if (scale != null) {
      steps.add(scale);
    } else if (crop != null) {
      steps.add(crop);
    }
  }

  private static int[] cropSize(DataConfig data) {
    return data.getCropSizeList().stream().mapToInt(Integer::intValue).toArray();
  }
}
