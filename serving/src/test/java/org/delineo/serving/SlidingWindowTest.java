package org.delineo.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Window geometry, coverage and averaging against hand-computed values and whole-image application,
 * for clipped windows and for windows padded past small inputs.
 */
class SlidingWindowTest {

  @Test
  void startsStepByStrideWithTheLastAlignedToTheBorder() {
    assertArrayEquals(new int[] {0, 3, 6}, SlidingWindow.starts(10, 4, 3));
    assertArrayEquals(new int[] {0, 3, 6, 7}, SlidingWindow.starts(11, 4, 3));
    assertArrayEquals(new int[] {0}, SlidingWindow.starts(4, 4, 2));
    assertArrayEquals(new int[] {0}, SlidingWindow.starts(3, 4, 2), "shorter than the window: one window");
  }

  @Test
  void coverageOnOddSizesIsTheProductOfPerAxisCounts() {
    SlidingWindow sw = new SlidingWindow(new int[] {3, 3}, new int[] {2, 2}, 1);
    int[] spatial = {7, 5};
    // Axis 0: windows [0,3) [2,5) [4,7); axis 1: [0,3) [2,5).
    int[] rows = {1, 1, 2, 1, 2, 1, 1};
    int[] cols = {1, 1, 2, 1, 1};
    int[] expected = new int[35];
    for (int y = 0; y < 7; y++) {
      for (int x = 0; x < 5; x++) {
        expected[y * 5 + x] = rows[y] * cols[x];
      }
    }
    assertEquals(6, sw.origins(spatial).size());
    assertArrayEquals(expected, sw.coverage(spatial));
  }

  @Test
  void pointwiseModelGivesTheWholeImageResultIn2dAnd3d() {
    check(new int[] {7, 5}, new int[] {3, 3}, new int[] {2, 2}, 1, 3, 4);
    check(new int[] {5, 4, 3}, new int[] {3, 3, 2}, new int[] {2, 2, 1}, 2, 3, 2);
    check(new int[] {2, 3}, new int[] {4, 4}, new int[] {2, 2}, 1, 2, 1); // smaller than the window
  }

  /** A per-voxel model is translation-equivariant: averaging equal values returns them (1e-6 relative). */
  private static void check(int[] spatial, int[] window, int[] stride, int channels, int classes, int batch) {
    int voxels = Arrays.stream(spatial).reduce(1, (a, b) -> a * b);
    float[] image = new float[voxels * channels];
    for (int i = 0; i < image.length; i++) {
      image[i] = (float) Math.sin(0.7 * i) + 0.1f * i;
    }
    List<Integer> calls = new ArrayList<>();
    float[] slid = new SlidingWindow(window, stride, batch).apply(image, spatial, channels, classes,
        (windows, count, w) -> {
          calls.add(count);
          assertTrue(count <= batch);
          return pointwise(windows, windows.length / channels, channels, classes);
        });
    float[] whole = pointwise(image, voxels, channels, classes);
    for (int i = 0; i < whole.length; i++) {
      assertEquals(whole[i], slid[i], 1e-6 * Math.max(1, Math.abs(whole[i])), "value " + i);
    }
    assertEquals(new SlidingWindow(window, stride, batch).origins(spatial).size(),
        calls.stream().mapToInt(Integer::intValue).sum(), "every window runs once");
  }

  private static float[] pointwise(float[] x, int voxels, int channels, int classes) {
    float[] out = new float[voxels * classes];
    for (int v = 0; v < voxels; v++) {
      for (int c = 0; c < classes; c++) {
        float acc = c;
        for (int k = 0; k < channels; k++) {
          acc += (c + 1) * (k + 1) * x[v * channels + k];
        }
        out[v * classes + c] = acc;
      }
    }
    return out;
  }

  @Test
  void overlappingOutputsAreAveragedUniformly() {
    // 1 × 5 image, windows [0,3) and [2,5); the model outputs each voxel's position in its window.
    float[] out = new SlidingWindow(new int[] {1, 3}, new int[] {1, 2}, 4).apply(new float[5], new int[] {1, 5}, 1, 1,
        (windows, count, w) -> {
          float[] r = new float[count * 3];
          for (int j = 0; j < count; j++) {
            for (int x = 0; x < 3; x++) {
              r[j * 3 + x] = x;
            }
          }
          return r;
        });
    // Voxel 2 is position 2 in the first window and 0 in the second: mean 1.
    assertArrayEquals(new float[] {0, 1, 1, 1, 2}, out, 0f);
    assertArrayEquals(new int[] {1, 0}, SlidingWindow.argMax(new float[] {0, 5, 1, 2, 1, 2}, 3), "first maximum wins");
  }

  @Test
  void padFitKeepsTheWindowSizeAndPadsTheInputAtItsEnd() {
    // 1 × 2 image under a 1 × 3 window: one window over [a, b, pad]; the model echoes its input.
    for (PadMode mode : PadMode.values()) {
      List<float[]> seen = new ArrayList<>();
      List<int[]> sizes = new ArrayList<>();
      SlidingWindow sw = new SlidingWindow(new int[] {1, 3}, new int[] {1, 2}, 4, SlidingWindow.Fit.PAD, mode);
      float[] out = sw.apply(new float[] {5, 7}, new int[] {1, 2}, 1, 1, (windows, count, w) -> {
        seen.add(windows.clone());
        sizes.add(w);
        return windows;
      });
      assertArrayEquals(new int[] {1, 3}, sizes.get(0), "PAD keeps the window size");
      assertArrayEquals(mode == PadMode.ZERO ? new float[] {5, 7, 0} : new float[] {5, 7, 7}, seen.get(0), 0f,
          "padded at the end, " + mode);
      assertArrayEquals(new float[] {5, 7}, out, 0f, "cropped back");
    }
    List<int[]> clipped = new ArrayList<>();
    new SlidingWindow(new int[] {1, 3}, new int[] {1, 2}, 4).apply(new float[] {5, 7}, new int[] {1, 2}, 1, 1,
        (windows, count, w) -> {
          clipped.add(w);
          return windows;
        });
    assertArrayEquals(new int[] {1, 2}, clipped.get(0), "CLIP shrinks the window to the input");
  }

  @Test
  void padFitCoverageCountsWindowsOnThePaddedGrid() {
    SlidingWindow sw = new SlidingWindow(new int[] {4, 3}, new int[] {2, 2}, 1, SlidingWindow.Fit.PAD, PadMode.ZERO);
    int[] spatial = {2, 7};
    // Axis 0 padded to 4: one window; axis 1: windows [0,3) [2,5) [4,7).
    int[] cols = {1, 1, 2, 1, 2, 1, 1};
    int[] expected = new int[14];
    for (int y = 0; y < 2; y++) {
      System.arraycopy(cols, 0, expected, y * 7, 7);
    }
    assertArrayEquals(new int[] {4, 3}, sw.windowFor(spatial));
    assertArrayEquals(new int[] {4, 7}, sw.gridFor(spatial));
    assertEquals(3, sw.origins(spatial).size());
    assertArrayEquals(expected, sw.coverage(spatial));
  }

  @Test
  void padFitAveragesOverlapsBeforeCropping() {
    // 1 × 4 image, window 2 × 3 (axis 0 padded to 2), windows [0,3) and [1,4) on axis 1; the model
    // outputs each voxel's x position in its window: x=1 -> (1+0)/2, x=2 -> (2+1)/2.
    SlidingWindow sw = new SlidingWindow(new int[] {2, 3}, new int[] {1, 2}, 1, SlidingWindow.Fit.PAD, PadMode.EDGE);
    float[] out = sw.apply(new float[4], new int[] {1, 4}, 1, (windows, count, w) -> {
      float[] r = new float[count * 6];
      for (int j = 0; j < count; j++) {
        for (int y = 0; y < 2; y++) {
          for (int x = 0; x < 3; x++) {
            r[j * 6 + y * 3 + x] = x;
          }
        }
      }
      return r;
    });
    assertArrayEquals(new float[] {0, 0.5f, 1.5f, 2}, out, 0f, "classes taken from the model's answer (1)");
  }

  @Test
  void padFitWithAPointwiseModelGivesTheWholeImageResult() {
    // Zero padding and a per-voxel model: the padded voxels are cropped away (1e-6 relative).
    int[] spatial = {2, 5, 3};
    int channels = 2;
    int classes = 3;
    int voxels = 30;
    float[] image = new float[voxels * channels];
    for (int i = 0; i < image.length; i++) {
      image[i] = (float) Math.cos(0.3 * i) - 0.05f * i;
    }
    SlidingWindow sw = new SlidingWindow(new int[] {4, 3, 3}, new int[] {2, 2, 2}, 2, SlidingWindow.Fit.PAD,
        PadMode.ZERO);
    float[] slid = sw.apply(image, spatial, channels, classes, (windows, count, w) -> {
      assertArrayEquals(new int[] {4, 3, 3}, w);
      return pointwise(windows, windows.length / channels, channels, classes);
    });
    float[] whole = pointwise(image, voxels, channels, classes);
    for (int i = 0; i < whole.length; i++) {
      assertEquals(whole[i], slid[i], 1e-6 * Math.max(1, Math.abs(whole[i])), "value " + i);
    }
  }
}
