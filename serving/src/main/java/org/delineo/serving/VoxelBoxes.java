package org.delineo.serving;

/**
 * Row-major copies between an N-d voxel array (spatial dims, then a channel axis) and boxes of it:
 * window extraction, padding, averaging accumulation and cropping for {@link SlidingWindow}.
 * Every box is walked row by row (all axes but the last), each row one contiguous run.
 */
final class VoxelBoxes {
  private VoxelBoxes() {}

  /** Receives one row of a box: its index in the box, the flat voxel index in the array, its coords. */
  @FunctionalInterface
  interface RowVisitor {
    void row(int rowInBox, int voxel, int[] coordInBox);
  }

  static long voxels(int[] dims) {
    long n = 1;
    for (int d : dims) {
      n *= d;
    }
    return n;
  }

  /** Visits the rows of the box {@code origin + [0, box)} inside an array of spatial size {@code dims}. */
  static void forEachRow(int[] dims, int[] origin, int[] box, RowVisitor visitor) {
    int n = box.length;
    int rows = 1;
    for (int i = 0; i < n - 1; i++) {
      rows *= box[i];
    }
    int[] coord = new int[n];
    for (int r = 0; r < rows; r++) {
      int voxel = 0;
      for (int i = 0; i < n; i++) {
        voxel = voxel * dims[i] + origin[i] + coord[i];
      }
      visitor.row(r, voxel, coord);
      for (int i = n - 2; i >= 0; i--) {
        if (++coord[i] < box[i]) {
          break;
        }
        coord[i] = 0;
      }
    }
  }

  /** Copies the box at {@code origin} of size {@code box} into {@code dst} from {@code dstOffset}. */
  static void extract(float[] src, int[] dims, int channels, int[] origin, int[] box, float[] dst,
      int dstOffset) {
    int run = box[box.length - 1] * channels;
    forEachRow(dims, origin, box, (r, voxel, c) ->
        System.arraycopy(src, voxel * channels, dst, dstOffset + r * run, run));
  }

  /** The box {@code [0, size)} of an array of spatial size {@code dims}. */
  static float[] crop(float[] src, int[] dims, int channels, int[] size) {
    float[] out = new float[(int) voxels(size) * channels];
    extract(src, dims, channels, new int[size.length], size, out, 0);
    return out;
  }

  /**
   * {@code src} of spatial size {@code size} placed at the origin of an array of size
   * {@code padded}; the rest zeros or the nearest border voxel.
   */
  static float[] pad(float[] src, int[] size, int channels, int[] padded, PadMode mode) {
    int n = size.length;
    int last = n - 1;
    float[] out = new float[(int) voxels(padded) * channels];
    int[] clamped = new int[n];
    forEachRow(padded, new int[n], padded, (r, voxel, coord) -> {
      for (int i = 0; i < last; i++) {
        if (coord[i] >= size[i] && mode == PadMode.ZERO) {
          return;
        }
        clamped[i] = Math.min(coord[i], size[i] - 1);
      }
      clamped[last] = 0;
      int from = 0;
      for (int i = 0; i < n; i++) {
        from = from * size[i] + clamped[i];
      }
      System.arraycopy(src, from * channels, out, voxel * channels, size[last] * channels);
      if (mode == PadMode.EDGE) {
        int edge = (from + size[last] - 1) * channels;
        for (int x = size[last]; x < padded[last]; x++) {
          System.arraycopy(src, edge, out, (voxel + x) * channels, channels);
        }
      }
    });
    return out;
  }

  /**
   * Adds a window's values ({@code box × channels} from {@code src[srcOffset]}) into {@code sum} at
   * {@code origin} and counts each covered voxel once in {@code count}.
   */
  static void accumulate(float[] src, int srcOffset, int[] box, int channels, float[] sum,
      int[] count, int[] dims, int[] origin) {
    int width = box[box.length - 1];
    int run = width * channels;
    forEachRow(dims, origin, box, (r, voxel, c) -> {
      int s = srcOffset + r * run;
      int d = voxel * channels;
      for (int i = 0; i < run; i++) {
        sum[d + i] += src[s + i];
      }
      for (int x = 0; x < width; x++) {
        count[voxel + x]++;
      }
    });
  }
}
