package org.delineo.training.data.brats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.delineo.training.data.BratsLayout;
import org.delineo.training.data.DatasetSplits;
import org.delineo.training.data.Sample;
import org.delineo.training.data.SplitFiles;
import org.delineo.training.data.io.NiftiDatatype;
import org.delineo.training.data.io.NiftiVolume;
import org.delineo.training.data.io.NiftiWriter;
import org.delineo.training.data.io.NpyReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The .npy cache of preprocessed cases: a hit decodes no NIfTI (the flair file is deleted after
 * the first load), a corrupt cache file is reported by name and rebuilt. Cached and fresh samples
 * must be bit-identical (tolerance 0).
 */
class PreprocessedBratsTest {
  private static final int[] DHW = {3, 4, 5};

  @TempDir Path root;

  /** A case whose modality m is 10 (m + 1) inside a 2 x 2 x 2 block and 0 elsewhere. */
  private void writeCase(String id) {
    int n = DHW[0] * DHW[1] * DHW[2];
    for (int m = 0; m < 4; m++) {
      float[] data = new float[n];
      for (int z = 1; z < 3; z++) {
        for (int y = 1; y < 3; y++) {
          for (int x = 2; x < 4; x++) {
            data[(z * DHW[1] + y) * DHW[2] + x] = 10 * (m + 1) + x;
          }
        }
      }
      write(root.resolve(id).resolve(id + "_" + BratsLayout.MODALITIES.get(m) + ".nii.gz"), data);
    }
    float[] seg = new float[n];
    seg[(1 * DHW[1] + 1) * DHW[2] + 2] = 4;
    write(root.resolve(id).resolve(id + "_seg.nii.gz"), seg);
  }

  private static void write(Path file, float[] data) {
    try {
      Files.createDirectories(file.getParent());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    NiftiWriter.write(file, NiftiVolume.ofRowMajor(data, DHW, new double[] {1, 1, 1}),
        NiftiDatatype.FLOAT32.code());
  }

  private PreprocessedBrats open(List<String> warnings) {
    BratsLayout layout = new BratsLayout(root, SplitFiles.standard(root), DatasetSplits.DEFAULT_SEED,
        BratsLayout.enhancingTo3());
    return new PreprocessedBrats(layout, new BratsPreprocessor(2),
        PreprocessedBrats.defaultCacheDir(root, 2), warnings::add);
  }

  @Test
  void aCacheHitReadsNoNifti() throws IOException {
    writeCase("c1");
    List<String> warnings = new ArrayList<>();
    Sample first = open(warnings).load("c1");
    Path cache = root.resolve(".delineo-cache").resolve("brats-v1-min2");
    assertTrue(Files.exists(cache.resolve("c1_vol.npy")));
    assertTrue(Files.exists(cache.resolve("c1_seg.npy")));
    // The 2 x 2 x 2 block is already >= 2 per axis, so the crop is the block itself.
    assertArrayEquals(new int[] {2, 2, 2, 4}, first.imageShape());
    assertEquals(3, first.label()[0], "stored 4 became 3");

    Files.delete(root.resolve("c1").resolve("c1_flair.nii.gz"));
    Sample again = open(warnings).load("c1");
    assertArrayEquals(first.image(), again.image(), 0f);
    assertArrayEquals(first.label(), again.label());
    assertArrayEquals(first.imageShape(), again.imageShape());
    assertArrayEquals(first.spacing(), again.spacing(), 0);
    assertTrue(warnings.isEmpty(), warnings.toString());
  }

  @Test
  void aCorruptCacheFileIsReportedAndRebuilt() throws IOException {
    writeCase("c2");
    List<String> warnings = new ArrayList<>();
    PreprocessedBrats data = open(warnings);
    Sample first = data.load("c2");
    Path vol = data.cacheDir().resolve("c2_vol.npy");
    Files.write(vol, new byte[] {1, 2, 3});
    Sample rebuilt = data.load("c2");
    assertArrayEquals(first.image(), rebuilt.image(), 0f);
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains(vol.toString()), warnings.get(0));
    // The rebuilt file is a valid cache entry again.
    assertEquals(2 * 2 * 2 * 4, NpyReader.read(vol).size());
    data.load("c2");
    assertEquals(1, warnings.size(), "second hit is clean: " + warnings);
  }
}
