package org.delineo.training.data.brats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.delineo.graph.DelineoException;
import org.delineo.training.data.Sample;
import org.junit.jupiter.api.Test;

/**
 * The preprocessing on a hand-made 3 x 6 x 8 case with three brain voxels and one all-negative
 * voxel; expected crop windows, means and standard deviations are worked out by hand in the
 * comments. Tolerance 1e-5 (float32 storage of values of order 1).
 */
class BratsPreprocessorTest {
  private static final float TOL = 1e-5f;
  private static final int D = 3;
  private static final int H = 6;
  private static final int W = 8;

  // Brain voxels A, B, C (sum over modalities > 0) and voxel N (all -1: non-zero max, sum < 0).
  private static final int[][] VOXELS = {{1, 4, 1}, {1, 4, 3}, {1, 5, 2}, {1, 5, 6}};
  // Values per voxel over [flair, t1ce, t1, t2].
  private static final float[][] VALUES = {
    {2, 4, 1, 3}, {4, 0, 3, 3}, {6, 2, 2, 3}, {-1, -1, -1, -1},
  };
  private static final int[] LABELS = {4, 2, 1, 0};

  private static Sample handMadeCase() {
    float[] image = new float[D * H * W * 4];
    int[] label = new int[D * H * W];
    for (int i = 0; i < VOXELS.length; i++) {
      int v = (VOXELS[i][0] * H + VOXELS[i][1]) * W + VOXELS[i][2];
      System.arraycopy(VALUES[i], 0, image, v * 4, 4);
      label[v] = LABELS[i];
    }
    return new Sample("case", image, new int[] {D, H, W, 4}, label, new int[] {D, H, W},
        new double[] {1, 1, 1});
  }

  @Test
  void cropWindowIsTheEnlargedShiftedBoundingBox() {
    // Non-zero maxima at z = 1, y in [4, 5], x in [1, 6].
    // z: length 1 < 4 but the axis has only 3 voxels -> the whole axis [0, 3).
    // y: length 2 -> 4: start 4 - 1 = 3 would end at 7 > 6, so shifted to [2, 6).
    // x: length 6 >= 4 -> unchanged [1, 7) (the inclusive box 1..6).
    int[][] window = new BratsPreprocessor(4).cropWindow(handMadeCase());
    assertArrayEquals(new int[] {0, 3}, window[0]);
    assertArrayEquals(new int[] {2, 6}, window[1]);
    assertArrayEquals(new int[] {1, 7}, window[2]);
    // With the default 128, every axis of this small volume is kept whole.
    int[][] whole = new BratsPreprocessor().cropWindow(handMadeCase());
    assertArrayEquals(new int[] {0, D}, whole[0]);
    assertArrayEquals(new int[] {0, H}, whole[1]);
    assertArrayEquals(new int[] {0, W}, whole[2]);
  }

  @Test
  void enlargementIsSymmetricWhenThereIsRoom() {
    // One non-zero voxel at x = 5 of 12 with minimum 4: start 5 - floor(3 / 2) = 4 -> [4, 8).
    float[] image = new float[12];
    image[5] = 7;
    Sample s = new Sample("line", image, new int[] {1, 1, 12, 1}, null, null,
        new double[] {1, 1, 1});
    assertArrayEquals(new int[] {4, 8}, new BratsPreprocessor(4).cropWindow(s)[2]);
  }

  @Test
  void zScoresEachModalityOverTheBrainMaskAndRelabels() {
    Sample out = new BratsPreprocessor(4).apply(handMadeCase());
    assertArrayEquals(new int[] {3, 4, 6, 4}, out.imageShape());
    assertArrayEquals(new int[] {3, 4, 6}, out.labelShape());
    // Brain mask = A, B, C (N sums to -4). Population statistics over the three voxels:
    // flair 2, 4, 6: mean 4, var 8/3; t1ce 4, 0, 2: mean 2, var 8/3; t1 1, 3, 2: mean 2, var 2/3;
    // t2 3, 3, 3: mean 3, std 0 -> only centred.
    double[] mean = {4, 2, 2, 3};
    double[] std = {Math.sqrt(8.0 / 3), Math.sqrt(8.0 / 3), Math.sqrt(2.0 / 3), 1};
    int[] origin = {0, 2, 1};
    for (int z = 0; z < 3; z++) {
      for (int y = 0; y < 4; y++) {
        for (int x = 0; x < 6; x++) {
          int src = -1;
          for (int i = 0; i < VOXELS.length; i++) {
            if (VOXELS[i][0] == z + origin[0] && VOXELS[i][1] == y + origin[1]
                && VOXELS[i][2] == x + origin[2]) {
              src = i;
            }
          }
          int v = (z * 4 + y) * 6 + x;
          for (int m = 0; m < 4; m++) {
            double raw = src < 0 ? 0 : VALUES[src][m];
            assertEquals((raw - mean[m]) / std[m], out.image()[v * 4 + m], TOL,
                "voxel " + z + "," + y + "," + x + " modality " + m);
          }
          int expectedLabel = src < 0 ? 0 : (LABELS[src] == 4 ? 3 : LABELS[src]);
          assertEquals(expectedLabel, out.label()[v], "label 4 becomes 3, others unchanged");
        }
      }
    }
    // Spot check by hand: background flair = (0 - 4) / sqrt(8/3) = -2.4494897.
    assertEquals(-2.4494897f, out.image()[0], TOL);
  }

  @Test
  void allZeroVolumeIsAnErrorNamingTheCase() {
    Sample empty = new Sample("BraTS_empty", new float[2 * 2 * 2 * 4], new int[] {2, 2, 2, 4},
        null, null, new double[] {1, 1, 1});
    DelineoException e = assertThrows(DelineoException.class,
        () -> new BratsPreprocessor(4).apply(empty));
    assertTrue(e.getMessage().contains("BraTS_empty"), e.getMessage());
  }
}
