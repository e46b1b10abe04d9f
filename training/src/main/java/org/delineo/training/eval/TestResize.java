package org.delineo.training.eval;

import org.delineo.proto.DataConfig;
import org.delineo.training.config.ConfigException;

/**
 * The test-time resize of {@code data.test_resize} / {@code data.test_keep_ratio} (decision PV-12):
 * evaluation feeds the model the image resized bilinearly to {@link #sizeFor} and brings its output
 * back bilinearly to the label's size before the arg-max, so metrics stay on the native label grid
 * (mmseg's {@code Resize} test pipeline with {@code rescale=True}; UniMatch's medical evaluation).
 * 2D only.
 *
 * @param height {@code test_resize[0]}
 * @param width {@code test_resize[1]}
 * @param keepRatio mmcv's {@code keep_ratio=True} rule instead of the exact size
 */
public record TestResize(int height, int width, boolean keepRatio) {

  /**
   * The resize {@code data} asks for, or null when {@code test_resize} is empty.
   *
   * @param spatialRank 2 for images, 3 for volumes
   * @throws ConfigException when test_resize is not two positive values, or is set for volumes
   */
  public static TestResize of(DataConfig data, int spatialRank) {
    if (data.getTestResizeCount() == 0) {
      return null;
    }
    if (spatialRank != 2) {
      throw new ConfigException("field 'data.test_resize': expected it empty for " + spatialRank
          + "D data (test-time resize is 2D only), found " + data.getTestResizeList());
    }
    if (data.getTestResizeCount() != 2 || data.getTestResize(0) < 1 || data.getTestResize(1) < 1) {
      throw new ConfigException("field 'data.test_resize': expected two positive values (H, W), found "
          + data.getTestResizeList());
    }
    return new TestResize(data.getTestResize(0), data.getTestResize(1), data.getTestKeepRatio());
  }

  /**
   * The size {@code [H', W']} an {@code h x w} image is resized to: {@code (height, width)}, or with
   * keepRatio mmcv's {@code rescale_size}: factor f = min(max(height, width) / max(h, w),
   * min(height, width) / min(h, w)), i.e. the long edge at most the larger and the short edge at
   * most the smaller test_resize value whatever the orientation, and H' = int(h·f + 0.5),
   * W' = int(w·f + 0.5).
   */
  public int[] sizeFor(int h, int w) {
    if (!keepRatio) {
      return new int[] {height, width};
    }
    double f = Math.min((double) Math.max(height, width) / Math.max(h, w),
        (double) Math.min(height, width) / Math.min(h, w));
    // mmcv's _scale_size rounds half up; at least one pixel so that tiny factors stay usable.
    return new int[] {Math.max(1, (int) (h * f + 0.5)), Math.max(1, (int) (w * f + 0.5))};
  }
}
