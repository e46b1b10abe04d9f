package org.delineo.training.data.augment;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.delineo.training.data.Sample;

/** Tiny samples for the augmentation tests, built from explicit values. */
final class TestSamples {
  private TestSamples() {}

  /** A one-channel 2D sample from rows of image values and rows of labels (may be null). */
  static Sample grey(float[][] image, int[][] label) {
    int h = image.length;
    int w = image[0].length;
    float[] img = new float[h * w];
    for (int y = 0; y < h; y++) {
      System.arraycopy(image[y], 0, img, y * w, w);
    }
    int[] lab = null;
    if (label != null) {
      lab = new int[h * w];
      for (int y = 0; y < h; y++) {
        System.arraycopy(label[y], 0, lab, y * w, w);
      }
    }
    return new Sample("t", img, new int[] {h, w, 1}, lab, label == null ? null : new int[] {h, w},
        new double[] {1, 1});
  }

  /** 2D [h, w, c] with image value 100y + 10x + ch + 1 (unique, never 0) and label (y·w + x) % 3. */
  static Sample coded2d(int h, int w, int c) {
    float[] img = new float[h * w * c];
    int[] lab = new int[h * w];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        lab[y * w + x] = (y * w + x) % 3;
        for (int ch = 0; ch < c; ch++) {
          img[(y * w + x) * c + ch] = 100 * y + 10 * x + ch + 1;
        }
      }
    }
    return new Sample("coded2d", img, new int[] {h, w, c}, lab, new int[] {h, w},
        new double[] {1, 1});
  }

  /** 3D [d, h, w, c] with image value 1000z + 100y + 10x + ch + 1 and label (z + y + x) % 2 + 1. */
  static Sample coded3d(int d, int h, int w, int c) {
    float[] img = new float[d * h * w * c];
    int[] lab = new int[d * h * w];
    for (int z = 0; z < d; z++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int v = (z * h + y) * w + x;
          lab[v] = (z + y + x) % 2 + 1;
          for (int ch = 0; ch < c; ch++) {
            img[v * c + ch] = 1000 * z + 100 * y + 10 * x + ch + 1;
          }
        }
      }
    }
    return new Sample("coded3d", img, new int[] {d, h, w, c}, lab, new int[] {d, h, w},
        new double[] {1, 1, 1});
  }

  /** Random image in [0, 1) and labels drawn from {@code classes}, 2D when {@code d == 0}. */
  static Sample random(long seed, int d, int h, int w, int c, int[] classes) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] spatial = d == 0 ? new int[] {h, w} : new int[] {d, h, w};
    int voxels = Arrays.stream(spatial).reduce(1, (a, b) -> a * b);
    float[] img = new float[voxels * c];
    for (int i = 0; i < img.length; i++) {
      img[i] = (float) r.nextDouble();
    }
    int[] lab = new int[voxels];
    for (int i = 0; i < voxels; i++) {
      lab[i] = classes[r.nextInt(classes.length)];
    }
    int[] imageShape = Arrays.copyOf(spatial, spatial.length + 1);
    imageShape[spatial.length] = c;
    double[] spacing = new double[spatial.length];
    Arrays.fill(spacing, 1.0);
    return new Sample("random", img, imageShape, lab, spatial, spacing);
  }

  static float[] floats(float... v) {
    return v;
  }

  static int[] ints(int... v) {
    return v;
  }
}
