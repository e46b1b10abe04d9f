package org.delineo.training.data.brats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.Sample;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.delineo.training.data.io.NpyArray;
import org.delineo.training.data.io.NpyReader;
import org.delineo.training.data.io.NpyWriter;

/**
 * A BraTS dataset whose cases are {@link BratsPreprocessor preprocessed} once and cached as
 * {@code .npy}, so a case's NIfTI files are decoded only the first time it is loaded (also across
 * runs). Per case the cache holds {@code <id>_vol.npy} (float32 {@code [D, H, W, M]}),
 * {@code <id>_seg.npy} (int32 {@code [D, H, W]}) and {@code <id>_spacing.npy} (float32 {@code
 * [3]}), each written atomically, the spacing last: a case counts as cached when all three exist.
 *
 * <p>A cache file that cannot be read or has the wrong shape is reported through the warning
 * sink, naming the file, and the case is decoded and cached again. The cache is not invalidated
 * when the NIfTI files change: delete the cache folder (default {@link #defaultCacheDir}) after
 * replacing the data. Several loader threads may load the same case at once; they write identical
 * content and the atomic renames make either copy complete.
 */
public final class PreprocessedBrats implements SegmentationDataset {
  /** Cache folder name below the dataset root; the version changes when the recipe does. */
  public static final String CACHE_VERSION = "brats-v1";

  private final SegmentationDataset source;
  private final BratsPreprocessor preprocessor;
  private final Path cacheDir;
  private final Consumer<String> warnings;

  /**
   * Caches {@code source}'s cases preprocessed with {@code preprocessor} in {@code cacheDir};
   * corrupt cache files are reported to {@code warnings}.
   */
  public PreprocessedBrats(SegmentationDataset source, BratsPreprocessor preprocessor,
      Path cacheDir, Consumer<String> warnings) {
    if (!source.is3d()) {
      throw new DelineoException("PreprocessedBrats: expected a 3D BraTS dataset, found "
          + source.name() + " (2D)");
    }
    this.source = source;
    this.preprocessor = preprocessor;
    this.cacheDir = cacheDir;
    this.warnings = warnings;
  }

  /**
   * {@code <root>/.delineo-cache/brats-v1/} for the reference minimum crop 128, and
   * {@code brats-v1-min<N>} for another minimum, so caches of different recipes never mix.
   */
  public static Path defaultCacheDir(Path root, int minSize) {
    String name = minSize == BratsPreprocessor.DEFAULT_MIN_SIZE ? CACHE_VERSION
        : CACHE_VERSION + "-min" + minSize;
    return root.resolve(".delineo-cache").resolve(name);
  }

  /** Where the preprocessed cases are cached. */
  public Path cacheDir() {
    return cacheDir;
  }

  @Override
  public String name() {
    return source.name() + " (preprocessed, cache " + cacheDir + ")";
  }

  @Override
  public List<String> ids(Split split) {
    return source.ids(split);
  }

  /** The raw NIfTI files of the case (the cache is derived from them). */
  @Override
  public List<Path> files(String id) {
    return source.files(id);
  }

  @Override
  public Sample load(String id) {
    if (id.isEmpty() || id.contains("/") || id.contains("\\") || id.startsWith(".")) {
      throw new DelineoException(name() + ": case id '" + id + "' cannot name a cache file");
    }
    Path vol = cacheDir.resolve(id + "_vol.npy");
    Path seg = cacheDir.resolve(id + "_seg.npy");
    Path spacing = cacheDir.resolve(id + "_spacing.npy");
    if (Files.exists(vol) && Files.exists(seg) && Files.exists(spacing)) {
      Sample cached = readCached(id, vol, seg, spacing);
      if (cached != null) {
        return cached;
      }
    }
    Sample sample = preprocessor.apply(source.load(id));
    if (sample.labeled()) {
      NpyWriter.write(vol, NpyArray.ofFloats(sample.image(), sample.imageShape()));
      NpyWriter.write(seg, NpyArray.ofInts(sample.label(), sample.labelShape()));
      float[] sp = new float[sample.spacing().length];
      for (int i = 0; i < sp.length; i++) {
        sp[i] = (float) sample.spacing()[i];
      }
      NpyWriter.write(spacing, NpyArray.ofFloats(sp, sp.length));
    }
    return sample;
  }

  /** The cached case, or null (after a warning and removing the files) when a file is bad. */
  private Sample readCached(String id, Path vol, Path seg, Path spacing) {
    Path current = vol;
    try {
      NpyArray image = NpyReader.read(vol);
      int[] shape = image.shape();
      requireShape(vol, shape.length == 4 && shape[3] == source.channels() && image.isFloat(),
          "a float32 array [D, H, W, " + source.channels() + "]", image);
      current = seg;
      NpyArray label = NpyReader.read(seg);
      requireShape(seg, !label.isFloat()
          && Arrays.equals(label.shape(), Arrays.copyOf(shape, 3)),
          "an int array " + Arrays.toString(Arrays.copyOf(shape, 3)), label);
      current = spacing;
      NpyArray sp = NpyReader.read(spacing);
      requireShape(spacing, sp.isFloat() && Arrays.equals(sp.shape(), new int[] {3}),
          "a float32 array [3]", sp);
      double[] mm = new double[3];
      for (int i = 0; i < 3; i++) {
        mm[i] = sp.floatData()[i];
      }
      return new Sample(id, image.floatData(), shape, label.intData(), label.shape(), mm);
    } catch (DelineoException e) {
      warnings.accept("warning: BraTS cache file " + current + " is unusable (" + e.getMessage()
          + "); decoding case '" + id + "' again");
      for (Path p : List.of(vol, seg, spacing)) {
        try {
          Files.deleteIfExists(p);
        } catch (IOException ignored) {
          // The rewrite below replaces the file anyway; a failure there is reported.
        }
      }
      return null;
    }
  }

  private static void requireShape(Path file, boolean ok, String expected, NpyArray found) {
    if (!ok) {
      throw new DelineoException(file + ": expected " + expected + ", found " + found.dtype()
          + " " + Arrays.toString(found.shape()));
    }
  }

  @Override
  public int numClasses() {
    return source.numClasses();
  }

  @Override
  public int channels() {
    return source.channels();
  }

  @Override
  public boolean is3d() {
    return true;
  }
}
