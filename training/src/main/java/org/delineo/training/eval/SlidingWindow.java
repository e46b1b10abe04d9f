package org.delineo.training.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.delineo.graph.DelineoException;

/**
 * Sliding-window inference over a row-major array {@code [spatial..., channels]} (2D or 3D, any
 * channel count), as mmseg's {@code slide_inference}: along each axis windows start every
 * {@code stride} and the last one is aligned to the border, so every voxel is covered; an axis
 * shorter than the window gets one window of the axis' size. The per-window outputs
 * ({@code [spatial..., classes]}, e.g. softmax probabilities) are summed into the full array and
 * divided by the number of windows covering each voxel (uniform averaging).
 */
public final class SlidingWindow {

  /** Runs the model on {@code count} windows of size {@code window} stacked in {@code windows}. */
  @FunctionalInterface
  public interface WindowBatch {
    /**
     * @param windows {@code [count, window..., channels]} row-major
     * @return {@code [count, window..., classes]} row-major
     */
    float[] run(float[] windows, int count, int[] window);
  }

  private final int[] window;
  private final int[] stride;
  private final int batchSize;

  /**
   * @param window window size per spatial axis
   * @param stride step per spatial axis, {@code 1 <= stride}
   * @param batchSize windows per {@link WindowBatch} call, at least 1
   */
  public SlidingWindow(int[] window, int[] stride, int batchSize) {
    if (window.length != stride.length || window.length == 0) {
      throw new DelineoException("sliding window: window " + Arrays.toString(window) + " and stride "
          + Arrays.toString(stride) + " must give one positive value per spatial axis");
    }
    for (int i = 0; i < window.length; i++) {
      if (window[i] < 1 || stride[i] < 1) {
        throw new DelineoException("sliding window: expected positive window and stride, found window "
            + Arrays.toString(window) + ", stride " + Arrays.toString(stride));
      }
    }
    if (batchSize < 1) {
      throw new DelineoException("sliding window: expected batch size >= 1, found " + batchSize);
    }
    this.window = window.clone();
    this.stride = stride.clone();
    this.batchSize = batchSize;
  }

  /** Window starts along one axis: 0, s, 2s, ..., with the last clamped to {@code size - window}. */
  public static int[] starts(int size, int window, int stride) {
    if (size <= window) {
      return new int[] {0};
    }
    int count = (size - window + stride - 1) / stride + 1;
    int[] s = new int[count];
    for (int i = 0; i < count; i++) {
      s[i] = Math.min(i * stride, size - window);
    }
    return s;
  }

  /** The window size used on an input of spatial size {@code spatial}: clipped to the input. */
  public int[] windowFor(int[] spatial) {
    checkRank(spatial);
    int[] w = new int[spatial.length];
    for (int i = 0; i < w.length; i++) {
      w[i] = Math.min(window[i], spatial[i]);
    }
    return w;
  }

  /** Every window origin on an input of spatial size {@code spatial}, row-major over the axes. */
  public List<int[]> origins(int[] spatial) {
    int[] w = windowFor(spatial);
    int n = spatial.length;
    int[][] starts = new int[n][];
    int total = 1;
    for (int i = 0; i < n; i++) {
      starts[i] = starts(spatial[i], w[i], stride[i]);
      total *= starts[i].length;
    }
    List<int[]> out = new ArrayList<>(total);
    int[] idx = new int[n];
    for (int k = 0; k < total; k++) {
      int[] o = new int[n];
      for (int i = 0; i < n; i++) {
        o[i] = starts[i][idx[i]];
      }
      out.add(o);
      for (int i = n - 1; i >= 0; i--) {
        if (++idx[i] < starts[i].length) {
          break;
        }
        idx[i] = 0;
      }
    }
    return out;
  }

  /** How many windows cover each voxel (row-major over {@code spatial}); never 0. */
  public int[] coverage(int[] spatial) {
    int[] w = windowFor(spatial);
    int[] count = new int[(int) voxels(spatial)];
    for (int[] o : origins(spatial)) {
      forEachVoxel(spatial, o, w, (inWindow, inImage) -> count[inImage]++);
    }
    return count;
  }

  /**
   * The averaged outputs {@code [spatial..., classes]} for {@code image} {@code [spatial..., channels]}.
   *
   * @throws DelineoException when a batch returns the wrong number of values
   */
  public float[] apply(float[] image, int[] spatial, int channels, int classes, WindowBatch model) {
    checkRank(spatial);
    if (image.length != voxels(spatial) * channels) {
      throw new DelineoException("sliding window: image of " + image.length + " values, expected "
          + voxels(spatial) * channels + " for spatial size " + Arrays.toString(spatial) + " × " + channels);
    }
    int[] w = windowFor(spatial);
    int windowVoxels = (int) voxels(w);
    List<int[]> origins = origins(spatial);
    float[] sum = new float[(int) voxels(spatial) * classes];
    int[] count = new int[(int) voxels(spatial)];
    for (int from = 0; from < origins.size(); from += batchSize) {
      int to = Math.min(origins.size(), from + batchSize);
      float[] batch = new float[(to - from) * windowVoxels * channels];
      for (int j = from; j < to; j++) {
        int base = (j - from) * windowVoxels;
        forEachVoxel(spatial, origins.get(j), w, (inWindow, inImage) ->
            System.arraycopy(image, inImage * channels, batch, (base + inWindow) * channels, channels));
      }
      float[] out = model.run(batch, to - from, w.clone());
      if (out.length != (to - from) * windowVoxels * classes) {
        throw new DelineoException("sliding window: the model returned " + out.length + " values for " + (to - from)
            + " windows of " + Arrays.toString(w) + ", expected " + (to - from) * windowVoxels * classes
            + " (" + classes + " classes)");
      }
      for (int j = from; j < to; j++) {
        int base = (j - from) * windowVoxels;
        forEachVoxel(spatial, origins.get(j), w, (inWindow, inImage) -> {
          count[inImage]++;
          for (int c = 0; c < classes; c++) {
            sum[inImage * classes + c] += out[(base + inWindow) * classes + c];
          }
        });
      }
    }
    for (int v = 0; v < count.length; v++) {
      for (int c = 0; c < classes; c++) {
        sum[v * classes + c] /= count[v];
      }
    }
    return sum;
  }

  /** Arg-max over the last axis of {@code [voxels, classes]}; the first maximum wins ties. */
  public static int[] argMax(float[] values, int classes) {
    int[] out = new int[values.length / classes];
    for (int v = 0; v < out.length; v++) {
      int best = 0;
      for (int c = 1; c < classes; c++) {
        if (values[v * classes + c] > values[v * classes + best]) {
          best = c;
        }
      }
      out[v] = best;
    }
    return out;
  }

  private void checkRank(int[] spatial) {
    if (spatial.length != window.length) {
      throw new DelineoException("sliding window of " + window.length + " axes applied to an input with spatial size "
          + Arrays.toString(spatial));
    }
  }

  private interface VoxelVisitor {
    void visit(int inWindow, int inImage);
  }

  /** Visits the voxels of the box {@code origin + [0, box)}: flat index in the box and in the image. */
  private static void forEachVoxel(int[] spatial, int[] origin, int[] box, VoxelVisitor visitor) {
    int n = spatial.length;
    int total = (int) voxels(box);
    int[] idx = new int[n];
    for (int k = 0; k < total; k++) {
      int flat = 0;
      for (int i = 0; i < n; i++) {
        flat = flat * spatial[i] + origin[i] + idx[i];
      }
      visitor.visit(k, flat);
      for (int i = n - 1; i >= 0; i--) {
        if (++idx[i] < box[i]) {
          break;
        }
        idx[i] = 0;
      }
    }
  }

  private static long voxels(int[] dims) {
    long n = 1;
    for (int d : dims) {
      n *= d;
    }
    return n;
  }
}
