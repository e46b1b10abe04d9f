package org.delineo.graph.models.rfnet;

import java.util.ArrayList;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.init.Initializers;
import org.delineo.graph.layers.Conv3d;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * RFNet's {@code Decoder_sep}, the uni-modal decoder shared by all modalities: from the deepest
 * level up, ×2 trilinear upsampling → {@code d<l>_c1}, concatenation with the encoder skip,
 * {@code d<l>_c2} → {@code d<l>_out}; then the 1×1 {@code seg_layer} to the classes. Returns
 * LOGITS (the reference applies the softmax inside; callers here apply it themselves).
 */
public final class SepDecoder extends Module {
  private final List<DecoderStage> stages = new ArrayList<>();
  private final Conv3d segLayer;

  /**
   * @param name module path, e.g. {@code decoder_sep}
   * @param basicDims width b of level 1
   * @param numLevels encoder levels L
   * @param numClasses output classes
   * @param leakySlope negative slope of every LeakyReLU
   */
  public SepDecoder(String name, int basicDims, int numLevels, int numClasses, float leakySlope) {
    super(name);
    // stages.get(i) serves level i + 1.
    for (int l = 1; l < numLevels; l++) {
      stages.add(new DecoderStage(name, l, basicDims << (l - 1), leakySlope));
    }
    this.segLayer = Conv3d.builder(child("seg_layer"), numClasses).kernel(1)
        .init(Initializers.heNormal()).build();
  }

  /** Logits at level-1 resolution from the encoder maps of one modality, finest first. */
  public Operand<TFloat32> apply(GraphContext ctx, List<Operand<TFloat32>> features) {
    if (features.size() != stages.size() + 1) {
      throw new DelineoException(
          name() + ": expected " + (stages.size() + 1) + " encoder maps, found " + features.size());
    }
    Operand<TFloat32> x = features.get(stages.size());
    for (int l = stages.size(); l >= 1; l--) {
      DecoderStage stage = stages.get(l - 1);
      x = stage.merge(ctx, stage.up(ctx, x), features.get(l - 1));
    }
    return segLayer.apply(ctx, x);
  }
}
