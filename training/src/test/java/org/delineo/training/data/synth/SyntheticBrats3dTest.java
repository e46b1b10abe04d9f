package org.delineo.training.data.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.delineo.training.data.BratsLayout;
import org.delineo.training.data.Sample;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticBrats3dTest {
  private static final int SIZE = 32;
  private static final int CASES = 3;
  private static final SyntheticBrats3d GENERATOR = new SyntheticBrats3d(SIZE, SIZE, SIZE);

  @TempDir static Path dir;
  private static SegmentationDataset dataset;
  private static List<Sample> samples;

  @BeforeAll
  static void generate() {
    dataset = SyntheticData.write(GENERATOR, dir.resolve("a"), CASES, 11);
    samples = new ArrayList<>();
    for (Split split : Split.values()) {
      for (String id : dataset.ids(split)) {
        samples.add(dataset.load(id));
      }
    }
  }

  @Test
  void loadsBackThroughTheBratsLayout() {
    assertTrue(dataset instanceof BratsLayout);
    assertEquals(CASES, samples.size());
    for (Sample s : samples) {
      assertArrayEquals(new int[] {SIZE, SIZE, SIZE, 4}, s.imageShape(), s.id());
      assertArrayEquals(new int[] {SIZE, SIZE, SIZE}, s.labelShape(), s.id());
    }
  }

  @Test
  void filesMatchTheRenderedPhantom() {
    SyntheticBrats3d.Phantom p = GENERATOR.render(1, 11);
    Sample s = dataset.load(GENERATOR.caseId(1));
    assertArrayEquals(p.labels(), s.label());
    for (int v = 0; v < p.labels().length; v += 97) {
      for (int m = 0; m < 4; m++) {
        assertEquals(p.modalities()[m][v], s.image()[v * 4 + m], 0f, "int16 values round-trip");
      }
    }
  }

  @Test
  void labelsAreNestedLikeBrats() {
    for (Sample s : samples) {
      int[] label = s.label();
      int[] counts = new int[5];
      for (int i = 0; i < label.length; i++) {
        int l = label[i];
        assertTrue(l == 0 || l == 1 || l == 2 || l == 4, s.id() + ": label " + l);
        counts[l]++;
        if (l != 0) {
          for (int m = 0; m < 4; m++) {
            assertTrue(s.image()[i * 4 + m] > 0, s.id() + ": tumour voxel " + i + " is in brain");
          }
        }
        if (l == 1 || l == 4) {
          for (int n : neighbours(i)) {
            assertTrue(label[n] != 0, s.id() + ": core voxel " + i + " touches background");
          }
        }
        if (l == 1) {
          for (int n : neighbours(i)) {
            assertTrue(label[n] == 1 || label[n] == 4, s.id() + ": necrosis " + i
                + " must be enclosed by enhancing tumour, neighbour has " + label[n]);
          }
        }
      }
      for (int l : new int[] {1, 2, 4}) {
        assertTrue(counts[l] > 0, s.id() + ": label " + l + " present");
      }
    }
  }

  @Test
  void eachModalityShowsDifferentSubRegions() {
    // Region means relative to healthy brain tissue. Thresholds come from the documented design
    // (MEAN_INTENSITY: e.g. FLAIR edema 900 vs tissue 450) with a margin for the bias field
    // (exp(+-0.18)) and noise: "bright" means > 1.4x tissue, "dark" < 0.75x, "similar" 0.8x-1.25x.
    for (Sample s : samples) {
      double[][] mean = regionMeans(s);
      int flair = 0;
      int t1ce = 1;
      int t1 = 2;
      int t2 = 3;
      String id = s.id();
      assertTrue(mean[flair][1] > 1.4 * mean[flair][0], id + " FLAIR bright on edema");
      assertTrue(between(mean[t1ce][1] / mean[t1ce][0], 0.8, 1.25), id + " T1ce ~ on edema");
      assertTrue(mean[t1ce][2] > 1.4 * mean[t1ce][0], id + " T1ce bright on enhancing ring");
      assertTrue(mean[t1ce][3] < 0.75 * mean[t1ce][0], id + " T1ce dark on necrosis");
      assertTrue(mean[t1][2] < 0.75 * mean[t1][0], id + " T1 dark on enhancing core");
      assertTrue(mean[t1][3] < 0.75 * mean[t1][0], id + " T1 dark on necrosis");
      assertTrue(mean[t2][1] > 1.4 * mean[t2][0], id + " T2 bright on edema");
      assertTrue(mean[t2][3] > 1.4 * mean[t2][0], id + " T2 bright on necrosis");
      assertTrue(between(mean[flair][2] / mean[flair][0], 1.1, 1.9)
          && between(mean[t2][2] / mean[t2][0], 1.1, 1.9), id + " ring only moderately bright");
    }
  }

  @Test
  void sameSeedGivesIdenticalFilesAnotherSeedDifferentOnes(@TempDir Path tmp) {
    SyntheticData.write(GENERATOR, tmp.resolve("same"), CASES, 11);
    FileTrees.assertIdentical(dir.resolve("a"), tmp.resolve("same"));
    SyntheticData.write(GENERATOR, tmp.resolve("other"), CASES, 12);
    // 3 cases x 5 NIfTI files all differ (dataset.txt differs too: it records the seed).
    assertTrue(FileTrees.differing(dir.resolve("a"), tmp.resolve("other")) >= CASES * 5);
  }

  /** Mean per modality over tissue (brain, label 0), edema, enhancing, necrosis. */
  private static double[][] regionMeans(Sample s) {
    double[][] sum = new double[4][4];
    int[] count = new int[4];
    for (int i = 0; i < s.label().length; i++) {
      int region;
      switch (s.label()[i]) {
        case 2 -> region = 1;
        case 4 -> region = 2;
        case 1 -> region = 3;
        default -> region = s.image()[i * 4] > 0 ? 0 : -1;
      }
      if (region < 0) {
        continue;
      }
      count[region]++;
      for (int m = 0; m < 4; m++) {
        sum[m][region] += s.image()[i * 4 + m];
      }
    }
    for (int m = 0; m < 4; m++) {
      for (int r = 0; r < 4; r++) {
        sum[m][r] /= count[r];
      }
    }
    return sum;
  }

  private static boolean between(double v, double lo, double hi) {
    return v >= lo && v <= hi;
  }

  private static int[] neighbours(int i) {
    int x = i % SIZE;
    int y = (i / SIZE) % SIZE;
    int z = i / (SIZE * SIZE);
    List<Integer> result = new ArrayList<>();
    int[][] steps = {{-1, 0, 0}, {1, 0, 0}, {0, -1, 0}, {0, 1, 0}, {0, 0, -1}, {0, 0, 1}};
    for (int[] st : steps) {
      int zz = z + st[0];
      int yy = y + st[1];
      int xx = x + st[2];
      if (zz >= 0 && yy >= 0 && xx >= 0 && zz < SIZE && yy < SIZE && xx < SIZE) {
        result.add((zz * SIZE + yy) * SIZE + xx);
      }
    }
    return result.stream().mapToInt(Integer::intValue).toArray();
  }
}
