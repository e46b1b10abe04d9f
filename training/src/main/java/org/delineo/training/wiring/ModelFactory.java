package org.delineo.training.wiring;

import org.delineo.graph.model.SegmentationModel;
import org.delineo.proto.ModelConfig;

/** Builds one model family from its config; registered under the family's config name. */
public interface ModelFactory {

  /** One line for {@code delineo models}. */
  String summary();

  /**
   * The model of {@code config} for {@code numClasses} classes and {@code inChannels} input
   * channels (already resolved from the dataset when the config leaves them 0).
   */
  SegmentationModel create(ModelConfig config, int numClasses, int inChannels);

  /** The configuration whose parameter count {@code delineo models --params} reports. */
  ReferenceSetup reference();

  /**
   * A reference configuration for parameter counts.
   *
   * @param config the model config
   * @param numClasses classes of the reference count
   * @param inputShape one input, without the batch axis, e.g. {@code [256, 256, 1]}
   */
  record ReferenceSetup(ModelConfig config, int numClasses, long[] inputShape) {}
}
