package org.delineo.training.data.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.delineo.training.data.Sample;
import org.junit.jupiter.api.Test;

/**
 * Nearest-neighbour rotation of image and label (the 3D BraTS chain) against hand-rotated
 * expectations: exact (tolerance 0), since nearest sampling copies values.
 */
class NearestRotationTest {

  @Test
  void quarterTurnInTheHwPlaneMovesEveryVoxelByHand() {
    // A +90° turn of an n x n plane reads out[i][j] = in[j][n - 1 - i] (numpy rot90, k = 1).
    Sample v = TestSamples.coded3d(2, 3, 3, 2);
    Sample r = new RandomRotation(0, 0).withNearestImage().rotate(v, 1, 2, 90);
    for (int z = 0; z < 2; z++) {
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
          int out = (z * 3 + i) * 3 + j;
          int in = (z * 3 + j) * 3 + (2 - i);
          assertEquals(v.label()[in], r.label()[out]);
          for (int ch = 0; ch < 2; ch++) {
            assertEquals(v.image()[in * 2 + ch], r.image()[out * 2 + ch], 0f);
          }
        }
      }
    }
  }

  @Test
  void halfTurnInTheDwPlaneMirrorsBothAxes() {
    Sample v = TestSamples.coded3d(3, 2, 4, 1);
    Sample r = new RandomRotation(0, 0).withNearestImage().rotate(v, 0, 2, 180);
    for (int z = 0; z < 3; z++) {
      for (int y = 0; y < 2; y++) {
        for (int x = 0; x < 4; x++) {
          int in = ((2 - z) * 2 + y) * 4 + (3 - x);
          int out = (z * 2 + y) * 4 + x;
          assertEquals(v.image()[in], r.image()[out], 0f);
          assertEquals(v.label()[in], r.label()[out]);
        }
      }
    }
  }

  @Test
  void singleVoxelAtTenDegreesAndCornerFill() {
    // A single voxel at (row 4, col 8) of a 9 x 9 plane (centre 4, 4). Output (3, 8) reads the
    // source (4 + cos10·(-1) + sin10·4, 4 - sin10·(-1) + cos10·4) = (3.71, 8.11) -> (4, 8).
    // Output (4, 8) reads (4.69, 7.94) -> (5, 8), so the voxel moved up one row.
    float[] img = new float[81];
    int[] lab = new int[81];
    java.util.Arrays.fill(lab, 1);
    img[4 * 9 + 8] = 5;
    lab[4 * 9 + 8] = 2;
    Sample s = new Sample("v", img, new int[] {1, 9, 9, 1}, lab, new int[] {1, 9, 9},
        new double[] {1, 1, 1});
    Sample r = new RandomRotation(0, 0).withNearestImage().withFill(new Fill(-1f, 0))
        .rotate(s, 1, 2, 10);
    assertEquals(5f, r.image()[3 * 9 + 8], 0f);
    assertEquals(2, r.label()[3 * 9 + 8]);
    assertEquals(0f, r.image()[4 * 9 + 8], 0f);
    // Corner (0, 8) reads (4 - cos10·4 + sin10·4, 4 + sin10·4 + cos10·4) = (0.75, 8.63) -> column
    // 9, outside: image fill -1, label fill 0.
    assertEquals(-1f, r.image()[8], 0f);
    assertEquals(0, r.label()[8]);
  }
}
