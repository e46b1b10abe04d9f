package org.delineo.training.data.augment;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.training.data.Sample;

/**
 * Crops a window of fixed spatial size at a uniform random position (RFNet's RandCrop3D, mmseg's
 * RandomCrop). Along an axis where the sample is smaller than the window, the sample is placed at
 * a uniform random position inside the window and the rest is filled ({@link Fill}). Optionally
 * mmseg's {@code cat_max_ratio}: up to 10 redraws until no single class covers
 * {@code catMaxRatio} or more of the (non-ignored, real) pixels of the window.
 */
public final class RandomCrop implements Augmentation {
  private static final int CAT_MAX_ATTEMPTS = 10;

  private final int[] size;
  private final Fill fill; // null: Fill.defaultFor(sample)
  private final double catMaxRatio;
  private final int ignoreIndex;

  /** A crop of spatial size {@code size} ({@code [h, w]} or {@code [d, h, w]}); default fill by rank. */
  public RandomCrop(int... size) {
    this(size, null, 1.0, 255);
  }

  private RandomCrop(int[] size, Fill fill, double catMaxRatio, int ignoreIndex) {
    if (size.length < 2 || size.length > 3 || Arrays.stream(size).anyMatch(s -> s <= 0)) {
      throw new DelineoException(
          "RandomCrop: expected a positive size [h, w] or [d, h, w], found " + Arrays.toString(size));
    }
    if (!(catMaxRatio > 0 && catMaxRatio <= 1)) {
      throw new DelineoException("RandomCrop: catMaxRatio must be in (0, 1], found " + catMaxRatio);
    }
    this.size = size.clone();
    this.fill = fill;
    this.catMaxRatio = catMaxRatio;
    this.ignoreIndex = ignoreIndex;
  }

  /** The same crop padding with {@code fill} instead of the default for the sample's rank. */
  public RandomCrop withFill(Fill fill) {
    return new RandomCrop(size, fill, catMaxRatio, ignoreIndex);
  }

  /**
   * The same crop with mmseg's {@code cat_max_ratio} (1 disables it); pixels labelled
   * {@code ignoreIndex} are not counted.
   */
  public RandomCrop withCatMaxRatio(double ratio, int ignoreIndex) {
    return new RandomCrop(size, fill, ratio, ignoreIndex);
  }

  @Override
  public Sample apply(Sample sample, RandomGenerator rng) {
    Grid g = checkedGrid(sample);
    return crop(sample, g, g.dhw(), sample.spacing(), rng);
  }

  /**
   * The crop of {@code sample} resized by {@code factor}: the same draws and values as
   * {@code apply(RandomScale.scale(sample, factor), rng)}, but only the window is resampled, so a
   * large rescaled image is never held (mmseg's RandomResize then RandomCrop, at a crop's cost).
   */
  Sample applyScaled(Sample sample, double factor, RandomGenerator rng) {
    Grid g = checkedGrid(sample);
    int[] target = RandomScale.scaledSize(g, factor);
    return crop(sample, g, target, RandomScale.scaledSpacing(sample, g, target), rng);
  }

  private Grid checkedGrid(Sample sample) {
    Grid g = Grid.of(sample);
    if (size.length != g.spatialRank) {
      throw new ShapeMismatchException(
          sample.id() + ": RandomCrop size " + Arrays.toString(size) + " has " + size.length
              + " axes, the sample has spatial shape " + Arrays.toString(sample.spatialShape()));
    }
    return g;
  }

  /** The crop of {@code sample} seen at internal size {@code in3} (resized when it differs from the sample's). */
  private Sample crop(Sample sample, Grid g, int[] in3, double[] spacing, RandomGenerator rng) {
    int[] out3 = {1, 1, 1};
    for (int i = 0; i < size.length; i++) {
      out3[i + 3 - size.length] = size[i];
    }
    int[] offset = drawOffsets(rng, in3, out3);
    int[] labelPart = null; // the label under the window at offset, once made
    if (catMaxRatio < 1 && sample.labeled()) {
      for (int attempt = 0; attempt < CAT_MAX_ATTEMPTS; attempt++) {
        labelPart = labelWindow(sample, g, in3, out3, offset);
        if (balanced(labelPart, overlap(in3, out3, offset), out3, windowOffset(offset))) {
          break;
        }
        offset = drawOffsets(rng, in3, out3);
        labelPart = null;
      }
    }
    // Only the part of the (resized) sample that the window covers is materialised; when that is
    // the whole window (the sample is at least the crop's size) it is the crop itself.
    int[] count = overlap(in3, out3, offset);
    float[] part = RandomScale.imageWindow(sample.image(), g.c, g.dhw(), in3, overlapStart(offset), count);
    if (labelPart == null && sample.labeled()) {
      labelPart = labelWindow(sample, g, in3, out3, offset);
    }
    if (Arrays.equals(count, out3)) {
      // The window is the whole sample: copy, since the output must not share the input's arrays.
      return g.with(sample, out3, part == sample.image() ? part.clone() : part,
          labelPart == sample.label() && labelPart != null ? labelPart.clone() : labelPart, spacing);
    }
    Fill f = fill != null ? fill : Fill.defaultFor(sample);
    float[] image = new float[out3[0] * out3[1] * out3[2] * g.c];
    Arrays.fill(image, f.image());
    copyWindow(part, image, g.c, count, out3, windowOffset(offset));
    int[] label = null;
    if (labelPart != null) {
      label = new int[out3[0] * out3[1] * out3[2]];
      Arrays.fill(label, f.label());
      copyWindow(labelPart, label, 1, count, out3, windowOffset(offset));
    }
    return g.with(sample, out3, image, label, spacing);
  }

  /** The label's part under the window at {@code offset}: the sample's own array when that is all of it. */
  private static int[] labelWindow(Sample sample, Grid g, int[] in3, int[] out3, int[] offset) {
    return RandomScale.labelWindow(sample.label(), g.dhw(), in3, overlapStart(offset), overlap(in3, out3, offset));
  }

  /** First voxel of the (resized) sample that the window at {@code offset} covers, per internal axis. */
  private static int[] overlapStart(int[] offset) {
    return Arrays.stream(offset).map(o -> Math.max(0, o)).toArray();
  }

  /** Extent of the window's overlap with a sample of internal size {@code in3} (at least 1 on every axis). */
  private static int[] overlap(int[] in3, int[] out3, int[] offset) {
    int[] count = new int[3];
    for (int a = 0; a < 3; a++) {
      count[a] = Math.min(in3[a], offset[a] + out3[a]) - Math.max(0, offset[a]);
    }
    return count;
  }

  /** The window's offset relative to the overlap's first voxel: {@link #copyWindow} reads the overlap alone. */
  private static int[] windowOffset(int[] offset) {
    return Arrays.stream(offset).map(o -> Math.min(0, o)).toArray();
  }

  /**
   * Window origin per internal axis: uniform in [0, n - s] when the sample is larger, uniform in
   * [n - s, 0] (the sample placed inside the window) when it is smaller. Axes of size 1 in both
   * (the D axis of 2D samples) consume no draw.
   */
  private static int[] drawOffsets(RandomGenerator rng, int[] in3, int[] out3) {
    int[] offset = new int[3];
    for (int a = 0; a < 3; a++) {
      int slack = in3[a] - out3[a];
      if (slack > 0) {
        offset[a] = rng.nextInt(slack + 1);
      } else if (slack < 0) {
        offset[a] = -rng.nextInt(-slack + 1);
      }
    }
    return offset;
  }

  /** Output index range [lo, hi) along one axis whose source {@code offset + o} lies in [0, n). */
  private static int lo(int offset) {
    return Math.max(0, -offset);
  }

  private static int hi(int offset, int n, int s) {
    return Math.min(s, n - offset);
  }

  /** Copies the overlap of the window with the sample; {@code out} already holds the fill. */
  private static void copyWindow(Object in, Object out, int c, int[] in3, int[] out3, int[] off) {
    int x0 = lo(off[2]);
    int x1 = hi(off[2], in3[2], out3[2]);
    if (x1 <= x0) {
      return;
    }
    int run = (x1 - x0) * c;
    for (int z = lo(off[0]); z < hi(off[0], in3[0], out3[0]); z++) {
      for (int y = lo(off[1]); y < hi(off[1], in3[1], out3[1]); y++) {
        int src = (((z + off[0]) * in3[1] + y + off[1]) * in3[2] + x0 + off[2]) * c;
        int dst = ((z * out3[1] + y) * out3[2] + x0) * c;
        System.arraycopy(in, src, out, dst, run);
      }
    }
  }

  /** mmseg's test: more than one class and the largest one below {@code catMaxRatio} of the counted pixels. */
  private boolean balanced(int[] label, int[] in3, int[] out3, int[] off) {
    int max = Integer.MIN_VALUE;
    int min = Integer.MAX_VALUE;
    int zs = lo(off[0]);
    int ze = hi(off[0], in3[0], out3[0]);
    int ys = lo(off[1]);
    int ye = hi(off[1], in3[1], out3[1]);
    int xs = lo(off[2]);
    int xe = hi(off[2], in3[2], out3[2]);
    int n = Math.max(0, ze - zs) * Math.max(0, ye - ys) * Math.max(0, xe - xs);
    int[] values = new int[n];
    int k = 0;
    for (int z = zs; z < ze; z++) {
      for (int y = ys; y < ye; y++) {
        int src = ((z + off[0]) * in3[1] + y + off[1]) * in3[2] + off[2];
        for (int x = xs; x < xe; x++) {
          int v = label[src + x];
          if (v != ignoreIndex) {
            values[k++] = v;
            max = Math.max(max, v);
            min = Math.min(min, v);
          }
        }
      }
    }
    if (k == 0) {
      return false;
    }
    int classes = 0;
    int largest = 0;
    if (min >= 0 && max < (1 << 16)) {
      int[] counts = new int[max + 1];
      for (int i = 0; i < k; i++) {
        counts[values[i]]++;
      }
      for (int cnt : counts) {
        if (cnt > 0) {
          classes++;
          largest = Math.max(largest, cnt);
        }
      }
    } else {
      int[] sorted = Arrays.copyOf(values, k);
      Arrays.sort(sorted);
      for (int i = 0; i < k; ) {
        int j = i;
        while (j < k && sorted[j] == sorted[i]) {
          j++;
        }
        classes++;
        largest = Math.max(largest, j - i);
        i = j;
      }
    }
    return classes > 1 && (double) largest / k < catMaxRatio;
  }
}
