package org.delineo.training.data.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.delineo.proto.AugmentationConfig;
import org.delineo.proto.DataConfig;
import org.junit.jupiter.api.Test;

/** The 3D chain follows RFNet / PASSION's order (reference-methods.md §4.3); 2D keeps mmseg's. */
class AugmentationFactoryTest {
  private static List<Class<?>> kinds(Compose c) {
    return c.steps().stream().<Class<?>>map(Object::getClass).toList();
  }

  @Test
  void volumeChainIsCropRotationIntensityFlip() {
    DataConfig data = DataConfig.newBuilder().setLayout(DataConfig.Layout.BRATS)
        .setAugmentation(AugmentationConfig.newBuilder().setRotationDegrees(10)
            .setIntensityShift(0.1f).setIntensityScale(0.1f))
        .build();
    Compose chain = (Compose) AugmentationFactory.training(data, true);
    assertEquals(List.of(RandomCrop.class, RandomRotation.class, IntensityShiftScale.class,
        RandomFlip.class), kinds(chain));
    Compose withProb = (Compose) AugmentationFactory.training(data.toBuilder()
        .setAugmentation(data.getAugmentation().toBuilder().setRotationProb(0.3f)).build(), true);
    assertEquals(RandomApply.class, withProb.steps().get(1).getClass(),
        "an explicit rotation_prob wraps the rotation");
  }

  @Test
  void imageChainKeepsMmsegOrder() {
    DataConfig data = DataConfig.newBuilder().addCropSize(4).addCropSize(4)
        .setAugmentation(AugmentationConfig.newBuilder().setRotationDegrees(10)
            .setIntensityShift(0.1f))
        .build();
    Compose chain = (Compose) AugmentationFactory.training(data, false);
    assertEquals(List.of(RandomCrop.class, RandomFlip.class, RandomApply.class,
        IntensityShiftScale.class), kinds(chain));
  }

  @Test
  void rescaleBeforeACropIsFusedWithIt() {
    AugmentationConfig scaled = AugmentationConfig.newBuilder().setScaleMin(0.5f).setScaleMax(2f).build();
    DataConfig cropped = DataConfig.newBuilder().addCropSize(4).addCropSize(4).setAugmentation(scaled).build();
    assertEquals(ScaledCrop.class, kinds((Compose) AugmentationFactory.training(cropped, false)).get(0));
    assertEquals(ScaledCrop.class, kinds((Compose) AugmentationFactory.training(
        cropped.toBuilder().addCropSize(4).build(), true)).get(0));
    assertEquals(RandomScale.class, kinds((Compose) AugmentationFactory.training(
        DataConfig.newBuilder().setAugmentation(scaled).build(), false)).get(0));
  }
}
