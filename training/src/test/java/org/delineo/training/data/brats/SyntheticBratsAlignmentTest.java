package org.delineo.training.data.brats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.delineo.proto.DataConfig;
import org.delineo.training.data.Sample;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.pipeline.DatasetFactory;
import org.delineo.training.data.synth.SyntheticBrats3d;
import org.delineo.training.metrics.BratsRegions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18 §1: the synthetic BraTS phantoms arrive in training exactly as rendered, voxel for voxel,
 * through every step between the generator and the model input ({@code SyntheticBrats3d.writeCase}
 * → NIfTI → {@code BratsLayout} → {@code BratsPreprocessor} → the {@code PreprocessedBrats} cache),
 * opened as training opens them ({@link DatasetFactory#open} with layout SYNTHETIC_BRATS3D). The
 * phantoms are non-cubic (D, H, W = 24, 28, 32) so that any transposition of axes changes shapes or
 * values. Expectations come from outside the reading code: the NIfTI bytes are parsed here by hand,
 * the z-score is recomputed from the rendered phantom, and each channel's identity is recognised by
 * the phantom's contrast table (which label is brightest in it), not by the modality list.
 */
class SyntheticBratsAlignmentTest {
  private static final int D = 24;
  private static final int H = 28;
  private static final int W = 32;
  private static final long SEED = 5;
  private static final int CASES = 2;
  private static final SyntheticBrats3d GENERATOR = new SyntheticBrats3d(D, H, W);

  @TempDir
  static Path root;

  @BeforeAll
  static void writeCases() {
    for (int i = 0; i < CASES; i++) {
      GENERATOR.writeCase(root, i, SEED);
    }
  }

  /** The NIfTI files store x = W fastest, z = D slowest, as the NIfTI standard says, with the rendered values. */
  @Test
  void niftiBytesHoldTheRenderedVolumeInNiftiAxisOrder() throws IOException {
    SyntheticBrats3d.Phantom phantom = GENERATOR.render(0, SEED);
    String id = GENERATOR.caseId(0);
    String[] suffixes = {"flair", "t1ce", "t1", "t2", "seg"};
    for (int f = 0; f < suffixes.length; f++) {
      ByteBuffer nii = gunzip(root.resolve(id).resolve(id + "_" + suffixes[f] + ".nii.gz"));
      nii.order(ByteOrder.LITTLE_ENDIAN);
      if (nii.getInt(0) != 348) {
        nii.order(ByteOrder.BIG_ENDIAN);
      }
      assertEquals(348, nii.getInt(0), "sizeof_hdr");
      assertEquals(3, nii.getShort(40), suffixes[f] + ": dim[0]");
      assertEquals(W, nii.getShort(42), suffixes[f] + ": dim[1] is x = W");
      assertEquals(H, nii.getShort(44), suffixes[f] + ": dim[2] is y = H");
      assertEquals(D, nii.getShort(46), suffixes[f] + ": dim[3] is z = D");
      short datatype = nii.getShort(70);
      int offset = (int) nii.getFloat(108);
      float slope = nii.getFloat(112);
      float inter = nii.getFloat(116);
      boolean scaled = slope != 0 && !(slope == 1 && inter == 0);
      for (int z = 0; z < D; z++) {
        for (int y = 0; y < H; y++) {
          for (int x = 0; x < W; x++) {
            int onDisk = x + W * (y + H * z);
            double raw = datatype == 4 ? nii.getShort(offset + 2 * onDisk) : nii.get(offset + onDisk) & 0xFF;
            double value = scaled ? raw * slope + inter : raw;
            int rendered = (z * H + y) * W + x;
            double expected = f < 4 ? phantom.modalities()[f][rendered] : phantom.labels()[rendered];
            if (value != expected) {
              throw new AssertionError(suffixes[f] + " voxel (x, y, z) = (" + x + ", " + y + ", " + z
                  + "): file holds " + value + ", phantom " + expected);
            }
          }
        }
      }
    }
  }

  /**
   * Training's view of each case: labels are the phantom's with 4 → 3 at every voxel, image channel
   * m is modality m z-scored over the brain (recomputed here in double precision), and a second load
   * (from the cache) is identical.
   */
  @Test
  void trainingSamplesEqualThePhantomVoxelForVoxel() {
    SegmentationDataset dataset = DatasetFactory.open(DataConfig.newBuilder()
        .setLayout(DataConfig.Layout.SYNTHETIC_BRATS3D).setRoot(root.toString()).build());
    assertEquals(4, dataset.numClasses());
    assertEquals(4, dataset.channels());
    for (int i = 0; i < CASES; i++) {
      SyntheticBrats3d.Phantom phantom = GENERATOR.render(i, SEED);
      Sample sample = dataset.load(GENERATOR.caseId(i));
      assertArrayEquals(new int[] {D, H, W, 4}, sample.imageShape(), "no crop: every axis is below 128");
      assertArrayEquals(new int[] {D, H, W}, sample.labelShape());
      int n = D * H * W;
      for (int v = 0; v < n; v++) {
        int stored = phantom.labels()[v];
        int expected = stored == 4 ? 3 : stored;
        if (sample.label()[v] != expected) {
          throw new AssertionError("case " + i + " voxel " + v + ": label " + sample.label()[v] + ", phantom "
              + stored);
        }
      }
      boolean[] brain = new boolean[n];
      for (int v = 0; v < n; v++) {
        double sum = 0;
        for (int m = 0; m < 4; m++) {
          sum += phantom.modalities()[m][v];
        }
        brain[v] = sum > 0;
      }
      for (int m = 0; m < 4; m++) {
        double[] ms = meanStd(phantom.modalities()[m], brain);
        for (int v = 0; v < n; v++) {
          double expected = (phantom.modalities()[m][v] - ms[0]) / ms[1];
          assertEquals(expected, sample.image()[v * 4 + m], 1e-4, "case " + i + " channel " + m + " voxel " + v);
        }
      }
      Sample again = dataset.load(GENERATOR.caseId(i));
      assertArrayEquals(sample.image(), again.image(), "cached image");
      assertArrayEquals(sample.label(), again.label(), "cached labels");
    }
  }

  /**
   * Channel identity by content, from the phantom's contrast table: FLAIR is brightest on edema
   * (class 2), T1ce on enhancing tumour (class 3), T1 on healthy tissue (class 0) and T2 on necrosis
   * (class 1). Edema must also be far above healthy tissue in FLAIR (the issue measured 934 vs 445
   * raw), i.e. trivially separable after z-scoring.
   */
  @Test
  void channelsAreFlairT1ceT1T2AndEdemaIsBrightInFlair() {
    SegmentationDataset dataset = DatasetFactory.open(DataConfig.newBuilder()
        .setLayout(DataConfig.Layout.SYNTHETIC_BRATS3D).setRoot(root.toString()).build());
    int[] brightestClass = {2, 3, 0, 1};
    for (int i = 0; i < CASES; i++) {
      Sample s = dataset.load(GENERATOR.caseId(i));
      SyntheticBrats3d.Phantom phantom = GENERATOR.render(i, SEED);
      double[][] sum = new double[4][4];
      int[] count = new int[4];
      for (int v = 0; v < s.label().length; v++) {
        if (phantom.modalities()[0][v] <= 0) {
          continue; // outside the brain
        }
        count[s.label()[v]]++;
        for (int m = 0; m < 4; m++) {
          sum[m][s.label()[v]] += s.image()[v * 4 + m];
        }
      }
      for (int m = 0; m < 4; m++) {
        int best = 0;
        for (int c = 1; c < 4; c++) {
          if (sum[m][c] / count[c] > sum[m][best] / count[best]) {
            best = c;
          }
        }
        assertEquals(brightestClass[m], best, "case " + i + ": class brightest in channel " + m);
      }
      double edema = sum[0][2] / count[2];
      double healthy = sum[0][0] / count[0];
      assertTrue(edema - healthy > 3, "case " + i + ": FLAIR z edema " + edema + " vs healthy " + healthy);
    }
  }

  /** The regions scored on class ids are BraTS' on stored labels: WT {1, 2, 4}, TC {1, 4}, ET {4}. */
  @Test
  void evaluationRegionsOfLoadedLabelsAreTheStoredBratsRegions() {
    SegmentationDataset dataset = DatasetFactory.open(DataConfig.newBuilder()
        .setLayout(DataConfig.Layout.SYNTHETIC_BRATS3D).setRoot(root.toString()).build());
    SyntheticBrats3d.Phantom phantom = GENERATOR.render(1, SEED);
    int[] classes = dataset.load(GENERATOR.caseId(1)).label();
    boolean[] wt = BratsRegions.Region.WT.mask(classes);
    boolean[] tc = BratsRegions.Region.TC.mask(classes);
    boolean[] et = BratsRegions.Region.ET.mask(classes);
    int[] seen = new int[5];
    for (int v = 0; v < classes.length; v++) {
      int stored = phantom.labels()[v];
      seen[stored]++;
      assertEquals(stored == 1 || stored == 2 || stored == 4, wt[v], "WT at voxel " + v);
      assertEquals(stored == 1 || stored == 4, tc[v], "TC at voxel " + v);
      assertEquals(stored == 4, et[v], "ET at voxel " + v);
    }
    assertTrue(seen[1] > 0 && seen[2] > 0 && seen[4] > 0, "the phantom has all three tumour labels");
  }

  private static double[] meanStd(float[] values, boolean[] mask) {
    double sum = 0;
    int count = 0;
    for (int v = 0; v < values.length; v++) {
      if (mask[v]) {
        sum += values[v];
        count++;
      }
    }
    double mean = sum / count;
    double var = 0;
    for (int v = 0; v < values.length; v++) {
      if (mask[v]) {
        var += (values[v] - mean) * (values[v] - mean);
      }
    }
    return new double[] {mean, Math.sqrt(var / count)};
  }

  private static ByteBuffer gunzip(Path file) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
      return ByteBuffer.wrap(in.readAllBytes());
    }
  }
}
