package org.delineo.training.data.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.delineo.training.data.AcdcLayout;
import org.delineo.training.data.Sample;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticMedical2dTest {
  private static final int D = 3;
  private static final int H = 32;
  private static final int W = 40;
  private static final int CASES = 4;
  private static final SyntheticMedical2d GENERATOR = new SyntheticMedical2d(D, H, W);

  @TempDir static Path dir;
  private static SegmentationDataset dataset;

  @BeforeAll
  static void generate() {
    dataset = SyntheticData.write(GENERATOR, dir.resolve("a"), CASES, 5);
  }

  @Test
  void writesAcdcNamedFramesThatLoadAsVolumes() throws IOException {
    assertTrue(dataset instanceof AcdcLayout);
    List<String> all = new ArrayList<>();
    for (Split split : Split.values()) {
      all.addAll(dataset.ids(split));
    }
    assertEquals(2 * CASES, all.size(), "an ED and an ES frame per patient");
    for (String id : all) {
      assertTrue(id.matches("patient00[1-4]_frame(01|0[89]|1[0-5])"), id);
      Sample s = dataset.load(id);
      assertArrayEquals(new int[] {D, H, W, 1}, s.imageShape());
      assertArrayEquals(new double[] {10, 1.5, 1.5}, s.spacing(), 1e-6);
    }
    String info = Files.readString(dir.resolve("a/patient001/Info.cfg"));
    assertTrue(info.startsWith("ED: 1\nES: "), info);
  }

  @Test
  void framesOfAPatientShareASplit() {
    for (Split split : Split.values()) {
      for (String id : dataset.ids(split)) {
        String patient = id.substring(0, id.indexOf('_'));
        long frames = dataset.ids(split).stream().filter(i -> i.startsWith(patient)).count();
        assertEquals(2, frames, id + ": both frames of " + patient + " in " + split);
      }
    }
    assertEquals(2, dataset.ids(Split.TEST).size(), "4 patients: 1 in test (at least one)");
  }

  @Test
  void ringsAreConcentricAndContrastIsCardiacLike() {
    for (Split split : Split.values()) {
      for (String id : dataset.ids(split)) {
        Sample s = dataset.load(id);
        int[] label = s.label();
        double[] sum = new double[4];
        int[] count = new int[4];
        for (int i = 0; i < label.length; i++) {
          int l = label[i];
          assertTrue(l >= 0 && l <= 3, id + ": label " + l);
          sum[l] += s.image()[i];
          count[l]++;
          if (l == 3) {
            // The LV cavity is enclosed by myocardium within its slice (4-neighbourhood).
            int x = i % W;
            int y = (i / W) % H;
            int[][] steps = {{0, 1}, {0, -1}, {1, 0}, {-1, 0}};
            for (int[] st : steps) {
              int n = i + st[0] * W + st[1];
              assertTrue(x + st[1] >= 0 && x + st[1] < W && y + st[0] >= 0 && y + st[0] < H,
                  id + ": LV reaches the slice border");
              assertTrue(label[n] == 2 || label[n] == 3, id + ": LV pixel " + i + " next to "
                  + label[n]);
            }
          }
        }
        for (int l = 1; l <= 3; l++) {
          assertTrue(count[l] > 0, id + ": class " + l + " present");
        }
        // Bright blood (900 / 820) vs dark muscle (250) in the design; 2x leaves room for noise.
        assertTrue(sum[3] / count[3] > 2 * sum[2] / count[2], id + ": LV brighter than myocardium");
        assertTrue(sum[1] / count[1] > 2 * sum[2] / count[2], id + ": RV brighter than myocardium");
      }
    }
  }

  @Test
  void endSystoleHasTheSmallerCavity() {
    List<SyntheticMedical2d.Frame> frames = GENERATOR.render(2, 5);
    assertEquals(1, frames.get(0).frame());
    assertTrue(count(frames.get(1).labels(), 3) < count(frames.get(0).labels(), 3));
  }

  @Test
  void sameSeedGivesIdenticalFilesAnotherSeedDifferentOnes(@TempDir Path tmp) {
    SyntheticData.write(GENERATOR, tmp.resolve("same"), CASES, 5);
    FileTrees.assertIdentical(dir.resolve("a"), tmp.resolve("same"));
    SyntheticData.write(GENERATOR, tmp.resolve("other"), CASES, 6);
    List<String> common = new ArrayList<>(FileTrees.files(dir.resolve("a")));
    common.retainAll(FileTrees.files(tmp.resolve("other")));
    assertTrue(common.stream().anyMatch(f -> f.endsWith("frame01.nii.gz")));
    // All ED images exist under both seeds and must differ.
    for (String f : common) {
      if (f.endsWith("frame01.nii.gz")) {
        assertTrue(!java.util.Arrays.equals(FileTrees.bytes(dir.resolve("a").resolve(f)),
            FileTrees.bytes(tmp.resolve("other").resolve(f))), f + " differs between seeds");
      }
    }
  }

  private static int count(int[] labels, int value) {
    int n = 0;
    for (int l : labels) {
      n += l == value ? 1 : 0;
    }
    return n;
  }
}
