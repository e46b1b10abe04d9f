package org.delineo.training.train;

import org.delineo.proto.ExperimentConfig;
import org.delineo.training.data.BratsLayout;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.brats.ModalityMaskSampler;
import org.delineo.training.strategy.ModalityMaskSource;

/** The modality masks of training samples for the config's {@code data.modality_mask_mode}. */
final class ModalityMasking {
  private ModalityMasking() {}

  static ModalityMaskSource source(ExperimentConfig config, SegmentationDataset dataset, int channels) {
    if (channels != BratsLayout.MODALITIES.size()) {
      // Masks are defined over the four BraTS modalities; other multi-modal data keeps all.
      return ModalityMaskSource.all(channels);
    }
    ModalityMaskSampler sampler = ModalityMaskSampler.fromConfig(config.getData(), config.getRuntime().getSeed());
    return sampler::maskFor;
  }
}
