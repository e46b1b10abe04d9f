package org.delineo.training.wiring;

import org.delineo.losses.PixelSampler;
import org.delineo.proto.OhemConfig;

/** Builds the OHEM pixel sampler of {@code loss.ohem}. */
public interface PixelSamplerFactory {

  PixelSampler create(OhemConfig config, int ignoreIndex);
}
