package org.delineo.training.data.pipeline;

import org.delineo.proto.ExperimentConfig;
import org.delineo.training.data.SegmentationDataset;

/**
 * The model's input channels and output classes as a run uses them: the config's explicit value,
 * or the dataset's when the config leaves it 0. One place, so training, evaluation, export and
 * benchmarking can never build models of different sizes from the same config and data.
 */
public final class ModelDimensions {
  private ModelDimensions() {}

  /** Output classes: {@code model.num_classes}, or the dataset's when 0. */
  public static int numClasses(ExperimentConfig config, SegmentationDataset dataset) {
    int k = config.getModel().getNumClasses();
    return k > 0 ? k : dataset.numClasses();
  }

  /** Input channels of the model: {@code model.in_channels}, or the dataset's when 0. */
  public static int inChannels(ExperimentConfig config, SegmentationDataset dataset) {
    int c = config.getModel().getInChannels();
    return c > 0 ? c : dataset.channels();
  }
}
