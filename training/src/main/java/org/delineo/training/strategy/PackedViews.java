package org.delineo.training.strategy;

import org.delineo.graph.DelineoException;
import org.delineo.training.data.pipeline.Batch;
import org.delineo.training.data.Sample;
import org.delineo.training.data.pipeline.SemiSupervisedViews;
import org.delineo.training.data.augment.Augmentation;

/**
 * Carries the views of one unlabeled sample through a {@link org.delineo.training.data.pipeline.BatchLoader}
 * as a single {@link Sample}: the loader stacks samples of one shape, so the weak view, both strong
 * views and both CutMix masks travel as channels of one image {@code [H, W, 3C + 2]} in the order
 * weak (C), strong 1 (C), strong 2 (C), box 1 (1), box 2 (1). {@link #part} takes a view back out
 * of a stacked batch.
 */
public final class PackedViews {
  /** One packed part of the image. */
  public enum Part {
    /** The weak view, C channels. */
    WEAK,
    /** The first strong view, C channels. */
    STRONG1,
    /** The second strong view, C channels. */
    STRONG2,
    /** The CutMix mask of strong view 1, one channel (1 = take the mix sample). */
    BOX1,
    /** The CutMix mask of strong view 2, one channel. */
    BOX2;

    int offset(int channels) {
      return ordinal() <= STRONG2.ordinal() ? ordinal() * channels : 3 * channels + ordinal() - BOX1.ordinal();
    }

    int width(int channels) {
      return ordinal() <= STRONG2.ordinal() ? channels : 1;
    }
  }

  private PackedViews() {}

  /** Packed channels of an image with {@code channels} channels. */
  public static int packedChannels(int channels) {
    return 3 * channels + 2;
  }

  /** The augmentation producing the weak view (with labels) of a labeled sample. */
  public static Augmentation labeled(SemiSupervisedViews views) {
    return (sample, rng) -> views.labeled(sample, rng.nextLong()).weak();
  }

  /** The augmentation producing the packed views of an unlabeled sample (labels dropped). */
  public static Augmentation unlabeled(SemiSupervisedViews views) {
    return (sample, rng) -> pack(views.unlabeled(sample, rng.nextLong()));
  }

  /** The views of one unlabeled sample as one unlabeled sample of {@link #packedChannels} channels. */
  public static Sample pack(SemiSupervisedViews.Views v) {
    if (v.labeledOnly()) {
      throw new DelineoException(v.weak().id() + ": packing needs the strong views of an unlabeled sample");
    }
    Sample weak = v.weak();
    int[] shape = weak.imageShape();
    if (shape.length != 3) {
      throw new DelineoException(weak.id() + ": packed views are 2D [H, W, C], found shape "
          + java.util.Arrays.toString(shape));
    }
    int c = shape[2];
    int pixels = shape[0] * shape[1];
    int p = packedChannels(c);
    float[] out = new float[pixels * p];
    float[][] parts = {weak.image(), v.strong1().image(), v.strong2().image(), v.cutmix1(), v.cutmix2()};
    for (Part part : Part.values()) {
      float[] src = parts[part.ordinal()];
      int w = part.width(c);
      int off = part.offset(c);
      for (int i = 0; i < pixels; i++) {
        System.arraycopy(src, i * w, out, i * p + off, w);
      }
    }
    return new Sample(weak.id(), out, new int[] {shape[0], shape[1], p}, null, null, weak.spacing());
  }

  /**
   * One part of a stacked batch of packed samples, row-major: {@code [N, H, W, C]} for a view,
   * {@code [N, H, W]} for a mask.
   *
   * @param channels C of the unpacked image
   */
  public static float[] part(Batch packed, Part part, int channels) {
    int[] s = packed.imageShape();
    int p = packedChannels(channels);
    if (s.length != 4 || s[3] != p) {
      throw new DelineoException("packed views: expected [N, H, W, " + p + "] for " + channels
          + " channels, found " + java.util.Arrays.toString(s));
    }
    int positions = s[0] * s[1] * s[2];
    int w = part.width(channels);
    int off = part.offset(channels);
    float[] out = new float[positions * w];
    float[] in = packed.images();
    for (int i = 0; i < positions; i++) {
      System.arraycopy(in, i * p + off, out, i * w, w);
    }
    return out;
  }
}
