package org.delineo.training.data.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.delineo.proto.DataConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.data.AcdcLayout;
import org.delineo.training.data.BratsLayout;
import org.delineo.training.data.CityscapesLayout;
import org.delineo.training.data.DatasetSplits;
import org.delineo.training.data.IsicLayout;
import org.delineo.training.data.Promise12Layout;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.SliceDataset;
import org.delineo.training.data.Split;
import org.delineo.training.data.SplitFiles;
import org.delineo.training.data.brats.BratsPreprocessor;
import org.delineo.training.data.brats.PreprocessedBrats;

/**
 * Opens the dataset of {@code data}: synthetic sets are read through the layout they are written
 * in (scenes as Cityscapes-style folders, phantoms as BraTS cases, slices as ACDC patients). BraTS
 * cases and phantoms are preprocessed as the reference does and cached ({@link PreprocessedBrats}).
 * ACDC and PROMISE12 open as {@link SliceDataset}s: 2D slices to train on, whose
 * {@link SliceDataset#volumes()} are evaluated per volume. The splits come from the split files of
 * {@code data.train_split} / {@code val_split} / {@code test_split} or {@code <root>/splits/}
 * ({@link SplitFiles}), else from the layout.
 */
public final class DatasetFactory {
  private DatasetFactory() {}

  /**
   * Opens the dataset of {@code data}.
   *
   * @throws ConfigException when data.root is empty, the layout is unknown, or a split file field
   *     names no file (or the same file as another split's)
   */
  public static SegmentationDataset open(DataConfig data) {
    if (data.getRoot().isEmpty()) {
      throw new ConfigException("field 'data.root': expected the dataset folder, found \"\"");
    }
    Path root = Path.of(data.getRoot());
    SplitFiles splits = splitFiles(data, root);
    long seed = DatasetSplits.DEFAULT_SEED;
    switch (data.getLayout()) {
      case CITYSCAPES:
      case SYNTHETIC_SCENES2D:
        return new CityscapesLayout(root, splits, seed);
      case BRATS:
      case SYNTHETIC_BRATS3D:
        // BraTS and its phantoms alike: labels 4 -> 3, the reference crop / z-score, decoded once into the cache.
        return new PreprocessedBrats(
            new BratsLayout(root, splits, seed, BratsLayout.enhancingTo3()),
            new BratsPreprocessor(),
            PreprocessedBrats.defaultCacheDir(root, BratsPreprocessor.DEFAULT_MIN_SIZE),
            message -> System.err.println(message));
      case ACDC:
      case SYNTHETIC_MEDICAL2D:
        // Every model of these layouts is 2D: slices train, volumes() evaluate.
        return new SliceDataset(new AcdcLayout(root, splits, seed));
      case ISIC:
        return new IsicLayout(root, splits, seed);
      case PROMISE12:
        return new SliceDataset(new Promise12Layout(root, splits, seed));
      default:
        throw new ConfigException("field 'data.layout': " + data.getLayout()
            + " is not available yet; valid: CITYSCAPES, BRATS, ACDC, ISIC, PROMISE12,"
            + " SYNTHETIC_SCENES2D, SYNTHETIC_BRATS3D, SYNTHETIC_MEDICAL2D");
    }
  }

  /**
   * The split files of {@code data}: {@code data.train_split}, {@code val_split} and
   * {@code test_split} where set (relative paths resolved against {@code root}), else the
   * standard {@code root/splits/<split>.txt}.
   *
   * @throws ConfigException when a given file does not exist, or one file is given for two splits
   */
  static SplitFiles splitFiles(DataConfig data, Path root) {
    SplitFiles files = SplitFiles.standard(root);
    Map<Path, String> fields = new HashMap<>();
    files = given(files, Split.TRAIN, "data.train_split", data.getTrainSplit(), root, fields);
    files = given(files, Split.VAL, "data.val_split", data.getValSplit(), root, fields);
    return given(files, Split.TEST, "data.test_split", data.getTestSplit(), root, fields);
  }

  private static SplitFiles given(SplitFiles files, Split split, String field, String value, Path root,
      Map<Path, String> fields) {
    if (value.isEmpty()) {
      return files;
    }
    Path file = root.resolve(value);
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("field '" + field + "': expected a split file (relative to data.root " + root
          + "), found no file at " + file);
    }
    String other = fields.putIfAbsent(file.toAbsolutePath().normalize(), field);
    if (other != null) {
      throw new ConfigException("field '" + field + "': expected a file of its own, found " + file
          + ", which " + other + " names too (a sample belongs to one split)");
    }
    return files.with(split, file);
  }
}
