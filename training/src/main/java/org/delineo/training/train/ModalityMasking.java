package org.delineo.training.train;

import org.delineo.proto.ExperimentConfig;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.strategy.ModalityMaskSource;

/** The modality masks of training samples for the config's {@code data.modality_mask_mode}. */
final class ModalityMasking {
  private ModalityMasking() {}

  static ModalityMaskSource source(ExperimentConfig config, SegmentationDataset dataset, int channels) {
    return ModalityMaskSource.all(channels);
  }
}
