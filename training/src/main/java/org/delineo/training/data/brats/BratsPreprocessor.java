package org.delineo.training.data.brats;

import java.util.Arrays;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.training.data.Sample;

/**
 * The RFNet / PASSION BraTS preprocessing (reference-methods.md §4.2) on a decoded case
 * {@code [D, H, W, M]} whose channels are the modalities [flair, t1ce, t1, t2]:
 *
 * <ol>
 *   <li>crop to the bounding box of the voxels whose maximum over modalities is non-zero, each
 *       axis enlarged symmetrically to at least {@code minSize} voxels (the window is shifted back
 *       inside the volume when it sticks out; an axis shorter than {@code minSize} is kept
 *       whole);
 *   <li>per modality, z-score with the mean and (population) standard deviation over the brain
 *       mask (voxels whose sum over modalities is {@code > 0}), applied to the whole crop, so the
 *       background becomes a negative constant rather than 0;
 *   <li>labels 4 → 3 (already mapped labels pass unchanged).
 * </ol>
 *
 * <p>Conscious deviations from {@code preprocess_brats.py}: its bounding-box maximum is inclusive
 * but used as an exclusive slice end, which drops the last non-zero plane of an axis that needs no
 * enlargement and makes enlarged axes 128 or 129 long; here the box is inclusive and enlarged axes
 * are exactly {@code minSize}. A modality that is constant over the brain mask (standard deviation
 * 0) is only centred, instead of becoming NaN.
 */
public final class BratsPreprocessor {
  /** The reference's minimum crop size per axis. */
  public static final int DEFAULT_MIN_SIZE = 128;

  private final int minSize;

  /** The reference preprocessing (minimum crop 128 per axis). */
  public BratsPreprocessor() {
    this(DEFAULT_MIN_SIZE);
  }

  /** Preprocessing whose crop is enlarged to at least {@code minSize} voxels per axis. */
  public BratsPreprocessor(int minSize) {
    if (minSize < 1) {
      throw new DelineoException("BratsPreprocessor: minimum crop size must be >= 1, found "
          + minSize);
    }
    this.minSize = minSize;
  }

  /**
   * The crop window per spatial axis (D, H, W) as {@code {start, endExclusive}}.
   *
   * @throws DelineoException naming the case when no voxel is non-zero
   */
  public int[][] cropWindow(Sample sample) {
    int[] shape = requireVolume(sample);
    int c = shape[3];
    int[] lo = {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE};
    int[] hi = {-1, -1, -1};
    float[] img = sample.image();
    int v = 0;
    for (int z = 0; z < shape[0]; z++) {
      for (int y = 0; y < shape[1]; y++) {
        for (int x = 0; x < shape[2]; x++, v++) {
          float max = Float.NEGATIVE_INFINITY;
          for (int ch = 0; ch < c; ch++) {
            max = Math.max(max, img[v * c + ch]);
          }
          if (max != 0) {
            int[] p = {z, y, x};
            for (int a = 0; a < 3; a++) {
              lo[a] = Math.min(lo[a], p[a]);
              hi[a] = Math.max(hi[a], p[a]);
            }
          }
        }
      }
    }
    if (hi[0] < 0) {
      throw new DelineoException(sample.id() + ": BraTS preprocessing needs non-zero voxels to"
          + " find the brain, found an all-zero volume of shape "
          + Arrays.toString(sample.imageShape()));
    }
    int[][] window = new int[3][];
    for (int a = 0; a < 3; a++) {
      window[a] = enlarge(lo[a], hi[a], shape[a]);
    }
    return window;
  }

  /** Inclusive box [lo, hi] on an axis of length n, grown to min(minSize, n) and kept inside. */
  private int[] enlarge(int lo, int hi, int n) {
    int length = hi - lo + 1;
    int target = Math.max(length, Math.min(minSize, n));
    int start = lo - (target - length) / 2;
    start = Math.max(0, Math.min(start, n - target));
    return new int[] {start, start + target};
  }

  /**
   * Crops, normalises and relabels one case.
   *
   * @throws DelineoException naming the case when it is not a volume, is all zero, or has an
   *     empty brain mask
   */
  public Sample apply(Sample sample) {
    int[] shape = requireVolume(sample);
    int c = shape[3];
    int[][] w = cropWindow(sample);
    int[] out = {w[0][1] - w[0][0], w[1][1] - w[1][0], w[2][1] - w[2][0]};
    int voxels = out[0] * out[1] * out[2];
    float[] image = new float[voxels * c];
    int[] label = sample.labeled() ? new int[voxels] : null;
    float[] src = sample.image();
    int o = 0;
    for (int z = w[0][0]; z < w[0][1]; z++) {
      for (int y = w[1][0]; y < w[1][1]; y++) {
        int row = (z * shape[1] + y) * shape[2];
        System.arraycopy(src, (row + w[2][0]) * c, image, o * c, out[2] * c);
        if (label != null) {
          for (int x = 0; x < out[2]; x++) {
            int l = sample.label()[row + w[2][0] + x];
            label[o + x] = l == 4 ? 3 : l;
          }
        }
        o += out[2];
      }
    }
    normalise(sample.id(), image, c);
    return new Sample(sample.id(), image, new int[] {out[0], out[1], out[2], c}, label,
        label == null ? null : out.clone(), sample.spacing());
  }

  /** In place: per channel (x - mean) / std over the voxels whose channel sum is > 0. */
  private static void normalise(String id, float[] image, int c) {
    int voxels = image.length / c;
    boolean[] brain = new boolean[voxels];
    int count = 0;
    for (int v = 0; v < voxels; v++) {
      double sum = 0;
      for (int ch = 0; ch < c; ch++) {
        sum += image[v * c + ch];
      }
      brain[v] = sum > 0;
      count += brain[v] ? 1 : 0;
    }
    if (count == 0) {
      throw new DelineoException(id + ": BraTS preprocessing found no brain voxel (sum over"
          + " modalities > 0) in the crop; cannot z-score");
    }
    for (int ch = 0; ch < c; ch++) {
      double mean = 0;
      for (int v = 0; v < voxels; v++) {
        if (brain[v]) {
          mean += image[v * c + ch];
        }
      }
      mean /= count;
      double var = 0;
      for (int v = 0; v < voxels; v++) {
        if (brain[v]) {
          double d = image[v * c + ch] - mean;
          var += d * d;
        }
      }
      double std = Math.sqrt(var / count);
      double scale = std > 0 ? 1 / std : 1;
      for (int v = 0; v < voxels; v++) {
        image[v * c + ch] = (float) ((image[v * c + ch] - mean) * scale);
      }
    }
  }

  private static int[] requireVolume(Sample sample) {
    int[] shape = sample.imageShape();
    if (shape.length != 4) {
      throw new ShapeMismatchException(sample.id() + ": BraTS preprocessing expects a volume"
          + " [D, H, W, M], found shape " + Arrays.toString(shape));
    }
    return shape;
  }
}
