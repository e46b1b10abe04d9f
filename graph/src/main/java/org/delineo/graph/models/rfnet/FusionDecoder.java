package org.delineo.graph.models.rfnet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.init.Initializers;
import org.delineo.graph.layers.Conv3d;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * RFNet's {@code Decoder_fuse} as PASSION runs it: at the deepest level L, PRM logits from the
 * masked modality maps ({@code prm_generator<L>}) and region-aware fusion ({@code RFM<L>}) with
 * the detached softmax of those logits; then for l = L − 1 … 1: ×2 upsampling → {@code d<l>_c1},
 * PRM logits from that decoder map and the masked maps of level l, RFM, concatenation
 * [RFM output, decoder map] → {@code d<l>_c2} → {@code d<l>_out}; finally the 1×1
 * {@code seg_layer}. The mask is applied here (every PRM and RFM sees only available modalities),
 * per sample, so one application can serve samples with different masks.
 */
public final class FusionDecoder extends Module {
  private final int numModalities;
  private final List<DecoderStage> stages = new ArrayList<>();
  private final List<PrmGenerator> prm = new ArrayList<>();
  private final List<RegionAwareFusion> rfm = new ArrayList<>();
  private final Conv3d segLayer;

  /**
   * @param name module path, e.g. {@code decoder_fuse}
   * @param basicDims width b of level 1
   * @param numLevels encoder levels L
   * @param numClasses K
   * @param numModalities M
   * @param fusionHidden width of the modality-weighting MLP of every RFM
   * @param leakySlope negative slope of every LeakyReLU
   */
  public FusionDecoder(
      String name, int basicDims, int numLevels, int numClasses, int numModalities,
      int fusionHidden, float leakySlope) {
    super(name);
    this.numModalities = numModalities;
    // Index i of each list serves level i + 1.
    for (int l = 1; l <= numLevels; l++) {
      int width = basicDims << (l - 1);
      if (l < numLevels) {
        stages.add(new DecoderStage(name, l, width, leakySlope));
      }
      prm.add(new PrmGenerator(
          child("prm_generator" + l), width, numClasses, l == numLevels, leakySlope));
      rfm.add(new RegionAwareFusion(
          child("RFM" + l), width, numClasses, numModalities, fusionHidden, leakySlope));
    }
    this.segLayer = Conv3d.builder(child("seg_layer"), numClasses).kernel(1)
        .init(Initializers.heNormal()).build();
  }

  /**
   * The fused prediction.
   *
   * @param features per level (finest first) the M modality maps [B, D_l, H_l, W_l, C_l]
   * @param mask float availability [B, M] (1 = available); missing modalities are zeroed here
   */
  public FusionOutputs apply(
      GraphContext ctx, List<List<Operand<TFloat32>>> features, Operand<TFloat32> mask) {
    int levels = prm.size();
    if (features.size() != levels) {
      throw new DelineoException(
          name() + ": expected " + levels + " feature levels, found " + features.size());
    }
    for (List<Operand<TFloat32>> level : features) {
      if (level.size() != numModalities) {
        throw new DelineoException(
            name() + ": expected " + numModalities + " modality maps per level, found "
                + level.size());
      }
    }
    Ops tf = ctx.tf();
    Operand<TFloat32>[] prmLogits = newArray(levels);
    Operand<TFloat32>[] deX = newArray(levels);

    List<Operand<TFloat32>> masked = Masking.apply(tf, features.get(levels - 1), mask);
    Operand<TFloat32> logits = prm.get(levels - 1).apply(ctx, null, masked);
    prmLogits[levels - 1] = logits;
    Operand<TFloat32> x = rfm.get(levels - 1).apply(ctx, masked, regions(tf, logits));
    for (int l = levels - 1; l >= 1; l--) {
      DecoderStage stage = stages.get(l - 1);
      Operand<TFloat32> decoded = stage.up(ctx, x);
      deX[l] = decoded;
      masked = Masking.apply(tf, features.get(l - 1), mask);
      logits = prm.get(l - 1).apply(ctx, decoded, masked);
      prmLogits[l - 1] = logits;
      Operand<TFloat32> fused = rfm.get(l - 1).apply(ctx, masked, regions(tf, logits));
      x = stage.merge(ctx, fused, decoded);
    }
    deX[0] = x;
    return new FusionOutputs(
        segLayer.apply(ctx, x), Arrays.asList(prmLogits), Arrays.asList(deX));
  }

  /** The RFM's region maps: the PRM softmax, detached as in the reference. */
  private static Operand<TFloat32> regions(Ops tf, Operand<TFloat32> prmLogits) {
    return tf.stopGradient(tf.nn.softmax(prmLogits));
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32>[] newArray(int n) {
    return (Operand<TFloat32>[]) new Operand<?>[n];
  }
}
