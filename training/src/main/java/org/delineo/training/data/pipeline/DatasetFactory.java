package org.delineo.training.data.pipeline;

import java.nio.file.Path;
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
import org.delineo.training.data.brats.BratsPreprocessor;
import org.delineo.training.data.brats.PreprocessedBrats;

/**
 * Opens the dataset of {@code data}: synthetic sets are read through the layout they are written
 * in (scenes as Cityscapes-style folders, phantoms as BraTS cases, slices as ACDC patients). BraTS
 * cases and phantoms are preprocessed as the reference does and cached ({@link PreprocessedBrats}).
 * ACDC and PROMISE12 open as {@link SliceDataset}s: 2D slices to train on, whose
 * {@link SliceDataset#volumes()} are evaluated per volume.
 */
public final class DatasetFactory {
  private DatasetFactory() {}

  public static SegmentationDataset open(DataConfig data) {
    if (data.getRoot().isEmpty()) {
      throw new ConfigException("field 'data.root': expected the dataset folder, found \"\"");
    }
    Path root = Path.of(data.getRoot());
    switch (data.getLayout()) {
      case CITYSCAPES:
      case SYNTHETIC_SCENES2D:
        return new CityscapesLayout(root);
      case BRATS:
      case SYNTHETIC_BRATS3D:
        // BraTS and its phantoms alike: labels 4 -> 3, the reference crop / z-score, decoded once into the cache.
        return new PreprocessedBrats(
            new BratsLayout(root, DatasetSplits.DEFAULT_SEED, BratsLayout.enhancingTo3()),
            new BratsPreprocessor(),
            PreprocessedBrats.defaultCacheDir(root, BratsPreprocessor.DEFAULT_MIN_SIZE),
            message -> System.err.println(message));
      case ACDC:
      case SYNTHETIC_MEDICAL2D:
        // Every model of these layouts is 2D: slices train, volumes() evaluate.
        return new SliceDataset(new AcdcLayout(root));
      case ISIC:
        return new IsicLayout(root);
      case PROMISE12:
        return new SliceDataset(new Promise12Layout(root));
      default:
        throw new ConfigException("field 'data.layout': " + data.getLayout()
            + " is not available yet; valid: CITYSCAPES, BRATS, ACDC, ISIC, PROMISE12,"
            + " SYNTHETIC_SCENES2D, SYNTHETIC_BRATS3D, SYNTHETIC_MEDICAL2D");
    }
  }
}
