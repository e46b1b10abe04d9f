package org.delineo.serving;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.delineo.graph.DelineoException;

/**
 * Sliding-window inference over a row-major array {@code [spatial..., channels]} (2D or 3D, any
 * channel count), as mmseg's {@code slide_inference}: along each axis windows start every
 * {@code stride} and the last one is aligned to the border, so every voxel is covered. The
 * per-window outputs ({@code [spatial..., classes]}: softmax probabilities or logits, whichever the
 * caller's {@link WindowBatch} returns) are summed into the full array and divided by the number of
 * windows covering each voxel (uniform averaging). An axis
 * shorter than the window is handled by the {@link Fit}: padded at its end and cropped back (for
 * models with a fixed input size), or given one window of the axis' size.
 *
 * <p>Used by {@link Predictor} and by training's evaluation, so both tile and average alike.
 */
public final class SlidingWindow {

  /** What to do on an axis shorter than the window. */
  public enum Fit {
    /** Pad the input at the axis' end to the window size ({@link PadMode}) and crop the output back. */
    PAD,
    /** Use one window of the axis' size (the model must accept any input size). */
    CLIP
  }

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
  private final Fit fit;
  private final PadMode padMode;

  /** Clipping windows ({@link Fit#CLIP}). */
  public SlidingWindow(int[] window, int[] stride, int batchSize) {
    this(window, stride, batchSize, Fit.CLIP, PadMode.ZERO);
  }

  /**
   * @param window window size per spatial axis
   * @param stride step per spatial axis, {@code 1 <= stride}
   * @param batchSize windows per {@link WindowBatch} call, at least 1
   * @param fit how axes shorter than the window are handled
   * @param padMode how {@link Fit#PAD} fills the padding (ignored for {@link Fit#CLIP})
   */
  public SlidingWindow(int[] window, int[] stride, int batchSize, Fit fit, PadMode padMode) {
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
    if (fit == null || padMode == null) {
      throw new DelineoException("sliding window: fit mode and pad mode are required, found fit " + fit
          + ", pad mode " + padMode);
    }
    this.window = window.clone();
    this.stride = stride.clone();
    this.batchSize = batchSize;
    this.fit = fit;
    this.padMode = padMode;
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

  /** The window size used on an input of spatial size {@code spatial}: clipped to it under CLIP. */
  public int[] windowFor(int[] spatial) {
    checkRank(spatial);
    int[] w = window.clone();
    if (fit == Fit.CLIP) {
      for (int i = 0; i < w.length; i++) {
        w[i] = Math.min(window[i], spatial[i]);
      }
    }
    return w;
  }

  /** The grid the windows tile: the input, padded up to the window under PAD. */
  public int[] gridFor(int[] spatial) {
    int[] w = windowFor(spatial);
    int[] grid = new int[spatial.length];
    for (int i = 0; i < grid.length; i++) {
      grid[i] = Math.max(spatial[i], w[i]);
    }
    return grid;
  }

  /** Every window origin on an input of spatial size {@code spatial}, row-major over the axes. */
  public List<int[]> origins(int[] spatial) {
    int[] w = windowFor(spatial);
    int[] grid = gridFor(spatial);
    int n = grid.length;
    int[][] starts = new int[n][];
    int total = 1;
    for (int i = 0; i < n; i++) {
      starts[i] = starts(grid[i], w[i], stride[i]);
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

  /** How many windows cover each voxel of the input (row-major over {@code spatial}); never 0. */
  public int[] coverage(int[] spatial) {
    int[] w = windowFor(spatial);
    int[] grid = gridFor(spatial);
    int[] count = new int[(int) VoxelBoxes.voxels(grid)];
    float[] none = new float[(int) VoxelBoxes.voxels(w)];
    float[] ignored = new float[count.length];
    for (int[] o : origins(spatial)) {
      VoxelBoxes.accumulate(none, 0, w, 1, ignored, count, grid, o);
    }
    return Arrays.equals(grid, spatial) ? count : cropInts(count, grid, spatial);
  }

  /**
   * The averaged outputs {@code [spatial..., classes]} for {@code image} {@code [spatial..., channels]}.
   *
   * @throws DelineoException when the image size is wrong or a batch returns the wrong number of values
   */
  public float[] apply(float[] image, int[] spatial, int channels, int classes, WindowBatch model) {
    if (classes < 1) {
      throw new DelineoException("sliding window: expected at least 1 class, found " + classes);
    }
    return slide(image, spatial, channels, classes, model);
  }

  /**
   * As {@link #apply(float[], int[], int, int, WindowBatch)} with the class count taken from the
   * first batch's output (for models whose class count is only known from their answer); the
   * result has {@code length / voxels(spatial)} classes.
   */
  public float[] apply(float[] image, int[] spatial, int channels, WindowBatch model) {
    return slide(image, spatial, channels, 0, model);
  }

  /** {@code classes == 0}: taken from the first batch. */
  private float[] slide(float[] image, int[] spatial, int channels, int classes, WindowBatch model) {
    checkRank(spatial);
    long voxels = VoxelBoxes.voxels(spatial);
    if (image.length != voxels * channels) {
      throw new DelineoException("sliding window: image of " + image.length + " values, expected "
          + voxels * channels + " for spatial size " + Arrays.toString(spatial) + " × " + channels);
    }
    int[] w = windowFor(spatial);
    int[] grid = gridFor(spatial);
    boolean padded = !Arrays.equals(grid, spatial);
    float[] source = padded ? VoxelBoxes.pad(image, spatial, channels, grid, padMode) : image;
    int windowVoxels = (int) VoxelBoxes.voxels(w);
    List<int[]> origins = origins(spatial);
    int[] count = new int[(int) VoxelBoxes.voxels(grid)];
    float[] sum = classes > 0 ? new float[count.length * classes] : null;
    for (int from = 0; from < origins.size(); from += batchSize) {
      int to = Math.min(origins.size(), from + batchSize);
      int n = to - from;
      float[] batch = new float[n * windowVoxels * channels];
      for (int j = from; j < to; j++) {
        VoxelBoxes.extract(source, grid, channels, origins.get(j), w, batch, (j - from) * windowVoxels * channels);
      }
      float[] out = model.run(batch, n, w.clone());
      if (sum == null) {
        if (out.length == 0 || out.length % (n * windowVoxels) != 0) {
          throw new DelineoException("sliding window: the model returned " + out.length + " values for " + n
              + " windows of " + Arrays.toString(w) + ", expected a positive multiple of " + n * windowVoxels
              + " (one value per voxel and class)");
        }
        classes = out.length / (n * windowVoxels);
        sum = new float[count.length * classes];
      }
      if (out.length != n * windowVoxels * classes) {
        throw new DelineoException("sliding window: the model returned " + out.length + " values for " + n
            + " windows of " + Arrays.toString(w) + ", expected " + n * windowVoxels * classes
            + " (" + classes + " classes)");
      }
      for (int j = from; j < to; j++) {
        VoxelBoxes.accumulate(out, (j - from) * windowVoxels * classes, w, classes, sum, count, grid,
            origins.get(j));
      }
    }
    // Every voxel is covered: the last window on each axis ends at the border.
    for (int v = 0; v < count.length; v++) {
      for (int c = 0; c < classes; c++) {
        sum[v * classes + c] /= count[v];
      }
    }
    return padded ? VoxelBoxes.crop(sum, grid, classes, spatial) : sum;
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

  private static int[] cropInts(int[] src, int[] grid, int[] size) {
    int[] out = new int[(int) VoxelBoxes.voxels(size)];
    int run = size[size.length - 1];
    VoxelBoxes.forEachRow(grid, new int[size.length], size, (r, voxel, c) ->
        System.arraycopy(src, voxel, out, r * run, run));
    return out;
  }

  @Override
  public String toString() {
    return "SlidingWindow[window=" + Arrays.toString(window) + ", stride=" + Arrays.toString(stride)
        + ", batchSize=" + batchSize + ", fit=" + fit + ", padMode=" + padMode + "]";
  }
}
