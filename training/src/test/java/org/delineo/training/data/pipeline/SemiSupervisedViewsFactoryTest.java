package org.delineo.training.data.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.delineo.proto.AugmentationConfig;
import org.delineo.proto.DataConfig;
import org.delineo.proto.StrongAugmentationConfig;
import org.delineo.training.data.Sample;
import org.delineo.training.data.pipeline.SemiSupervisedViews.Views;
import org.junit.jupiter.api.Test;

class SemiSupervisedViewsFactoryTest {
  private static final int H = 20;
  private static final int W = 12;

  /** A grey slice whose intensity is label / 3 exactly, labels 0..3 in a fixed pattern. */
  private static Sample coded() {
    int[] label = new int[H * W];
    float[] image = new float[H * W];
    for (int i = 0; i < label.length; i++) {
      label[i] = (i * 7 + i / W) % 4;
      image[i] = label[i] / 3f;
    }
    return new Sample("s", image, new int[] {H, W, 1}, label, new int[] {H, W}, new double[] {1, 1});
  }

  private static DataConfig config(StrongAugmentationConfig strong) {
    return DataConfig.newBuilder()
        .setLayout(DataConfig.Layout.ACDC)
        .addCropSize(16).addCropSize(16)
        .setAugmentation(AugmentationConfig.newBuilder()
            .setRot90Prob(1).setFlipProb(0.5f).setStrong(strong))
        .build();
  }

  @Test
  void labeledSamplesGetOnlyAWeakViewWithConsistentLabels() {
    SemiSupervisedViews views =
        SemiSupervisedViewsFactory.of(config(StrongAugmentationConfig.getDefaultInstance()), 1f);
    for (long seed = 0; seed < 8; seed++) {
      Views v = views.labeled(coded(), seed);
      assertTrue(v.labeledOnly());
      Sample weak = v.weak();
      assertArrayEquals(new int[] {16, 16, 1}, weak.imageShape());
      // rot90 / flips / nearest resize move image and label together: intensity stays label / 3.
      for (int i = 0; i < weak.label().length; i++) {
        assertEquals(weak.label()[i] / 3f, weak.image()[i], 0f, "pixel " + i + ", seed " + seed);
      }
    }
  }

  @Test
  void unlabeledViewsAreSeededIndependentAndUnlabeled() {
    SemiSupervisedViews views =
        SemiSupervisedViewsFactory.of(config(StrongAugmentationConfig.getDefaultInstance()), 1f);
    Views a = views.unlabeled(coded(), 42);
    Views b = views.unlabeled(coded(), 42);
    assertArrayEquals(a.weak().image(), b.weak().image(), 0f, "same seed, same weak view");
    assertArrayEquals(a.strong1().image(), b.strong1().image(), 0f);
    assertArrayEquals(a.strong2().image(), b.strong2().image(), 0f);
    assertArrayEquals(a.cutmix1(), b.cutmix1(), 0f);
    assertNull(a.weak().label(), "unlabeled views carry no labels");
    assertNull(a.strong1().label());
    assertEquals(16 * 16, a.cutmix1().length);
    for (float m : a.cutmix2()) {
      assertTrue(m == 0f || m == 1f);
    }
    boolean strongDiffer = false;
    boolean weakDiffer = false;
    int boxes = 0;
    for (long seed = 0; seed < 20; seed++) {
      Views v = views.unlabeled(coded(), seed);
      strongDiffer |= !Arrays.equals(v.strong1().image(), v.strong2().image());
      weakDiffer |= !Arrays.equals(v.weak().image(), a.weak().image());
      boxes += (sum(v.cutmix1()) > 0 ? 1 : 0) + (sum(v.cutmix2()) > 0 ? 1 : 0);
      for (float x : v.strong1().image()) {
        assertTrue(x >= 0 && x <= 1, "strong view stays in [0, 1]: " + x);
      }
    }
    assertTrue(strongDiffer, "the two strong views are independent draws");
    assertTrue(weakDiffer, "different seeds give different weak views");
    assertTrue(boxes > 5 && boxes < 35, "about half of 40 masks hold a box, found " + boxes);
  }

  @Test
  void disabledStrongPipelineReturnsTheWeakViewAndNoBoxes() {
    StrongAugmentationConfig off = StrongAugmentationConfig.newBuilder()
        .setColorJitterProb(0).setBlurProb(0).setCutmixProb(0).build();
    SemiSupervisedViews views = SemiSupervisedViewsFactory.of(config(off), 1f);
    Views v = views.unlabeled(coded(), 3);
    assertArrayEquals(v.weak().image(), v.strong1().image(), 0f);
    assertArrayEquals(v.weak().image(), v.strong2().image(), 0f);
    assertEquals(0f, sum(v.cutmix1()), 0f);
    assertFalse(v.labeledOnly());
  }

  @Test
  void strongBlurSigmaComesFromTheConfig() {
    // A unit impulse at (8, 8) of a 16 x 16 slice, no geometry, blur always with sigma exactly 0.5:
    // the strong view is the outer product of the normalised kernel of radius max(1, ceil(3 * 0.5)) = 2,
    // by hand: exp(-i^2 / 0.5) for i = 0, 1, 2 is 1, 0.1353353, 0.0003355, summing (both sides) to
    // 1.2713415, so k = 0.7865707, 0.1064508, 0.0002639.
    float[] image = new float[16 * 16];
    image[8 * 16 + 8] = 1f;
    Sample impulse = new Sample("i", image, new int[] {16, 16, 1}, null, null, new double[] {1, 1});
    StrongAugmentationConfig blurOnly = StrongAugmentationConfig.newBuilder().setColorJitterProb(0)
        .setBlurProb(1).setBlurSigmaMin(0.5f).setBlurSigmaMax(0.5f).setCutmixProb(0).build();
    DataConfig data = DataConfig.newBuilder().setLayout(DataConfig.Layout.ACDC)
        .addCropSize(16).addCropSize(16)
        .setAugmentation(AugmentationConfig.newBuilder().setFlipProb(0).setStrong(blurOnly)).build();
    double[] k = {0.7865707, 0.1064508, 0.0002639};
    for (long seed = 0; seed < 3; seed++) {
      float[] s = SemiSupervisedViewsFactory.of(data, 1f).unlabeled(impulse, seed).strong1().image();
      for (int dy = -2; dy <= 2; dy++) {
        for (int dx = -2; dx <= 2; dx++) {
          assertEquals(k[Math.abs(dy)] * k[Math.abs(dx)], s[(8 + dy) * 16 + 8 + dx], 1e-6,
              "offset (" + dy + ", " + dx + "), seed " + seed);
        }
      }
    }
  }

  @Test
  void defaultSizesFollowTheLayout() {
    assertArrayEquals(new int[] {224, 224}, SemiSupervisedViewsFactory.size(
        DataConfig.newBuilder().setLayout(DataConfig.Layout.ISIC).build()));
    assertArrayEquals(new int[] {256, 256}, SemiSupervisedViewsFactory.size(
        DataConfig.newBuilder().setLayout(DataConfig.Layout.PROMISE12).build()));
  }

  private static float sum(float[] m) {
    float s = 0;
    for (float x : m) {
      s += x;
    }
    return s;
  }
}
