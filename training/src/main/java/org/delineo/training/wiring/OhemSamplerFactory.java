package org.delineo.training.wiring;

import org.delineo.losses.OhemPixelSampler;
import org.delineo.losses.PixelSampler;
import org.delineo.proto.OhemConfig;

/** mmseg's OHEM pixel sampler; {@code thresh <= 0} keeps the top {@code min_kept} pixels by loss instead. */
final class OhemSamplerFactory implements PixelSamplerFactory {

  @Override
  public PixelSampler create(OhemConfig config, int ignoreIndex) {
    OhemPixelSampler sampler = OhemPixelSampler.builder()
        .thresh(config.getThresh() > 0 ? Float.valueOf(config.getThresh()) : null)
        .minKept(config.getMinKept())
        .ignoreIndex(ignoreIndex)
        .build();
    return sampler::weights;
  }
}
