package org.delineo.training.data.augment;

import java.util.Arrays;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.training.data.Sample;

/**
 * A sample's layout seen as {@code [D, H, W, C]} with {@code D = 1} for 2D samples, so that every
 * transform has a single code path. "Internal" axes are 0 = D, 1 = H, 2 = W; "spatial" axes are
 * counted as the user sees them ({@code [H, W]} in 2D, {@code [D, H, W]} in 3D).
 */
final class Grid {
  final int spatialRank;
  final int d;
  final int h;
  final int w;
  final int c;

  private Grid(int spatialRank, int d, int h, int w, int c) {
    this.spatialRank = spatialRank;
    this.d = d;
    this.h = h;
    this.w = w;
    this.c = c;
  }

  static Grid of(Sample s) {
    int[] sh = s.imageShape();
    if (sh.length == 3) {
      return new Grid(2, 1, sh[0], sh[1], sh[2]);
    }
    if (sh.length == 4) {
      return new Grid(3, sh[0], sh[1], sh[2], sh[3]);
    }
    throw new ShapeMismatchException(
        s.id() + ": augmentations need an image [H, W, C] or [D, H, W, C], found shape "
            + Arrays.toString(sh));
  }

  /** Sizes along the internal axes D, H, W. */
  int[] dhw() {
    return new int[] {d, h, w};
  }

  /** Voxel strides (in voxels, not values) along the internal axes D, H, W. */
  int[] strides() {
    return new int[] {h * w, w, 1};
  }

  /** The internal axis of user-facing spatial axis {@code axis}. */
  int internalAxis(String what, int axis) {
    if (axis < 0 || axis >= spatialRank) {
      throw new ShapeMismatchException(
          what + ": spatial axis " + axis + " does not exist for a sample with " + spatialRank
              + " spatial axes");
    }
    return axis + 3 - spatialRank;
  }

  /** A sample with the same id as {@code s}, new spatial size {@code dhw} and new arrays. */
  Sample with(Sample s, int[] dhw, float[] image, int[] label, double[] spacing) {
    int[] spatial = spatialRank == 2 ? new int[] {dhw[1], dhw[2]} : dhw.clone();
    int[] imageShape = Arrays.copyOf(spatial, spatial.length + 1);
    imageShape[spatial.length] = c;
    return new Sample(s.id(), image, imageShape, label, label == null ? null : spatial, spacing);
  }

  /**
   * Strided gather: {@code out[z, y, x, :] = in[start + z*s0 + y*s1 + x*s2, :]} for an output of
   * internal size {@code out3}; the steps (in voxels, possibly negative) express flips and axis
   * permutations without a per-voxel branch.
   */
  static void gather(float[] in, float[] out, int channels, int[] out3, int start, int[] steps) {
    int o = 0;
    for (int z = 0; z < out3[0]; z++) {
      for (int y = 0; y < out3[1]; y++) {
        int src = start + z * steps[0] + y * steps[1];
        for (int x = 0; x < out3[2]; x++, src += steps[2]) {
          int base = src * channels;
          for (int ch = 0; ch < channels; ch++) {
            out[o++] = in[base + ch];
          }
        }
      }
    }
  }

  /** The label version of {@link #gather(float[], float[], int, int[], int, int[])} (one channel). */
  static void gather(int[] in, int[] out, int[] out3, int start, int[] steps) {
    int o = 0;
    for (int z = 0; z < out3[0]; z++) {
      for (int y = 0; y < out3[1]; y++) {
        int src = start + z * steps[0] + y * steps[1];
        for (int x = 0; x < out3[2]; x++, src += steps[2]) {
          out[o++] = in[src];
        }
      }
    }
  }
}
