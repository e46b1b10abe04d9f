package org.delineo.training.train;

import java.util.ArrayList;
import java.util.List;
import org.delineo.proto.AugmentationConfig;
import org.delineo.proto.DataConfig;
import org.delineo.training.data.augment.Augmentation;
import org.delineo.training.data.augment.Compose;
import org.delineo.training.data.augment.GaussianBlur;
import org.delineo.training.data.augment.IntensityShiftScale;
import org.delineo.training.data.augment.Photometric;
import org.delineo.training.data.augment.RandomApply;
import org.delineo.training.data.augment.RandomCrop;
import org.delineo.training.data.augment.RandomFlip;
import org.delineo.training.data.augment.RandomRot90;
import org.delineo.training.data.augment.RandomRotation;
import org.delineo.training.data.augment.RandomScale;

/**
 * The training augmentation pipeline of {@code data}, in mmseg's order: random scale, random crop
 * (with {@code cat_max_ratio} for 2D), flips, rot90 and small rotations, photometric changes (2D,
 * 8-bit range), blur, per-modality intensity shift and scale.
 */
public final class AugmentationFactory {
  private AugmentationFactory() {}

  public static Augmentation training(DataConfig data, boolean volumetric) {
    AugmentationConfig a = data.getAugmentation();
    List<Augmentation> steps = new ArrayList<>();
    if (a.getScaleMin() != 1f || a.getScaleMax() != 1f) {
      steps.add(new RandomScale(a.getScaleMin(), a.getScaleMax()));
    }
    if (data.getCropSizeCount() > 0) {
      int[] size = data.getCropSizeList().stream().mapToInt(Integer::intValue).toArray();
      RandomCrop crop = new RandomCrop(size);
      steps.add(volumetric || a.getCatMaxRatio() >= 1f ? crop
          : crop.withCatMaxRatio(a.getCatMaxRatio(), data.getIgnoreIndex()));
    }
    if (a.getFlipProb() > 0) {
      steps.add(volumetric ? RandomFlip.allAxes(a.getFlipProb()) : RandomFlip.horizontal(a.getFlipProb()));
    }
    if (a.getRot90Prob() > 0) {
      steps.add(new RandomApply(a.getRot90Prob(), new RandomRot90()));
    }
    if (a.getRotationDegrees() > 0) {
      steps.add(new RandomApply(a.getRotationProb(),
          new RandomRotation(-a.getRotationDegrees(), a.getRotationDegrees())));
    }
    if (a.getPhotometric() && !volumetric) {
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
}
