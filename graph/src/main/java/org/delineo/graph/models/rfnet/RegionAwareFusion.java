package org.delineo.graph.models.rfnet;

import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * RFNet's region-aware modal fusion ({@code region_aware_modal_fusion}, "RFM") at one level of width
 * C: {@link ModalFusion} ({@code modal_fusion.<c>} for class region c) gives the K fused region maps,
 * concatenated class-major, which go through {@code region_fusion.fusion_layer} (1×1 K·C → C, 3×3,
 * 1×1 → C/2); the masked modality stack (M·C) goes through {@code short_cut} (1×1 → C, 3×3,
 * 1×1 → C/2); the output concatenates both (C channels).
 */
public final class RegionAwareFusion extends Module {
  private final ModalFusion modalFusion;
  private final GeneralConv3d[] regionFusion;
  private final GeneralConv3d[] shortCut;

  /**
   * @param name module path, e.g. {@code decoder_fuse.RFM4}
   * @param channels per-modality width C of the level
   * @param numClasses K, one region per class
   * @param numModalities M
   * @param fusionHidden width of the modality-weighting MLP
   * @param leakySlope negative slope of every LeakyReLU
   */
  public RegionAwareFusion(
      String name, int channels, int numClasses, int numModalities, int fusionHidden,
      float leakySlope) {
    super(name);
    this.modalFusion =
        new ModalFusion(child("modal_fusion"), numClasses, numModalities, fusionHidden, leakySlope);
    this.regionFusion = threeConvs(child("region_fusion.fusion_layer"), channels, leakySlope);
    this.shortCut = threeConvs(child("short_cut"), channels, leakySlope);
  }

  private static GeneralConv3d[] threeConvs(String prefix, int channels, float leakySlope) {
    return new GeneralConv3d[] {
      new GeneralConv3d(prefix + ".0", channels, 1, 1, leakySlope),
      new GeneralConv3d(prefix + ".1", channels, 3, 1, leakySlope),
      new GeneralConv3d(prefix + ".2", channels / 2, 1, 1, leakySlope)
    };
  }

  /**
   * The fused map [B, D, H, W, C].
   *
   * @param masked the M modality maps of the level, missing ones zeroed
   * @param regions class probabilities [B, D, H, W, K] (the detached softmax of the PRM)
   */
  public Operand<TFloat32> apply(
      GraphContext ctx, List<Operand<TFloat32>> masked, Operand<TFloat32> regions) {
    Ops tf = ctx.tf();
    Operand<TFloat32> stack = Masking.concatChannels(tf, masked);
    Operand<TFloat32> region = modalFusion.apply(ctx, stack, regions);
    for (GeneralConv3d conv : regionFusion) {
      region = conv.apply(ctx, region);
    }
    Operand<TFloat32> shortcut = stack;
    for (GeneralConv3d conv : shortCut) {
      shortcut = conv.apply(ctx, shortcut);
    }
    return tf.concat(List.of(region, shortcut), tf.constant(4));
  }
}
