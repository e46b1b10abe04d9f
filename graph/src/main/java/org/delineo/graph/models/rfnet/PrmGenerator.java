package org.delineo.graph.models.rfnet;

import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.init.Initializers;
import org.delineo.graph.layers.Conv3d;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The probabilistic-region-map head of one fusion-decoder level (PASSION's
 * {@code prm_generator_pk} / {@code prm_generator_laststage_pk}): the masked modality maps
 * (M·C channels) go through {@code embedding_layer} (1×1 → C/4, 3×3, 1×1 → C); at every level but
 * the deepest the upsampled decoder map (C) is concatenated in front; then {@code prm_layer}: a 1×1
 * {@link GeneralConv3d} to 16 channels and a plain 1×1 conv to the classes. Returns logits at the
 * level's own resolution (no softmax, no upsampling).
 */
public final class PrmGenerator extends Module {
  /** Width of the PRM head's hidden layer, fixed in the reference. */
  static final int HEAD_WIDTH = 16;

  private final boolean lastStage;
  private final GeneralConv3d[] embedding;
  private final GeneralConv3d prmHidden;
  private final Conv3d prmOut;

  /**
   * @param name module path, e.g. {@code decoder_fuse.prm_generator3}
   * @param channels per-modality width C of the level
   * @param numClasses output classes
   * @param lastStage whether this is the deepest level (no decoder map to concatenate)
   * @param leakySlope negative slope of every LeakyReLU
   */
  public PrmGenerator(
      String name, int channels, int numClasses, boolean lastStage, float leakySlope) {
    super(name);
    this.lastStage = lastStage;
    // int(C // 4) in the reference; at least 1 so that test-sized widths (C < 4) still build.
    int quarter = Math.max(1, channels / 4);
    String emb = child("embedding_layer");
    this.embedding = new GeneralConv3d[] {
      new GeneralConv3d(emb + ".0", quarter, 1, 1, leakySlope),
      new GeneralConv3d(emb + ".1", quarter, 3, 1, leakySlope),
      new GeneralConv3d(emb + ".2", channels, 1, 1, leakySlope)
    };
    this.prmHidden = new GeneralConv3d(child("prm_layer.0"), HEAD_WIDTH, 1, 1, leakySlope);
    this.prmOut = Conv3d.builder(child("prm_layer.1"), numClasses).kernel(1)
        .init(Initializers.heNormal()).build();
  }

  /**
   * PRM logits.
   *
   * @param decoded the upsampled decoder map of this level (ignored, may be null, at the last stage)
   * @param maskedModalities the modality maps of this level, missing ones already zeroed
   */
  public Operand<TFloat32> apply(
      GraphContext ctx, Operand<TFloat32> decoded, List<Operand<TFloat32>> maskedModalities) {
    Ops tf = ctx.tf();
    Operand<TFloat32> y = Masking.concatChannels(tf, maskedModalities);
    for (GeneralConv3d conv : embedding) {
      y = conv.apply(ctx, y);
    }
    if (!lastStage) {
      y = tf.concat(List.of(decoded, y), tf.constant(4));
    }
    return prmOut.apply(ctx, prmHidden.apply(ctx, y));
  }
}
