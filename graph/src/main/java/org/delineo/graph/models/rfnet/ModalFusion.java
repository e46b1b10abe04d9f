package org.delineo.graph.models.rfnet;

import java.util.ArrayList;
import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.init.Initializers;
import org.delineo.graph.layers.Activations;
import org.delineo.graph.layers.Conv3d;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * RFNet's {@code modal_fusion} for one class region c: with region probability P_c and masked
 * modality maps F_k, the region mean p̄ = mean(P_c) + 1e-7 and the region-average features
 * f̄_k = mean(F_k·P_c) / p̄ feed an MLP ({@code weight_layer.0}: 1×1 conv M·C + 1 → hidden,
 * LeakyReLU, {@code weight_layer.2}: hidden → M) whose sigmoid gives one weight w_k per modality;
 * the output is Σ_k w_k·F_k·P_c. Means run over the spatial axes of each sample separately.
 */
public final class ModalFusion extends Module {
  /** Added to the region mean before dividing by it, as in the reference. */
  static final float EPS = 1e-7f;

  private final int numModalities;
  private final Conv3d hidden;
  private final Conv3d out;
  private final float leakySlope;

  /**
   * @param name module path, e.g. {@code decoder_fuse.RFM4.modal_fusion.0}
   * @param numModalities M
   * @param hiddenWidth width of the weighting MLP (128 in the reference)
   * @param leakySlope negative slope of the MLP's LeakyReLU
   */
  public ModalFusion(String name, int numModalities, int hiddenWidth, float leakySlope) {
    super(name);
    this.numModalities = numModalities;
    this.hidden = Conv3d.builder(child("weight_layer.0"), hiddenWidth).kernel(1)
        .init(Initializers.heNormal()).build();
    this.out = Conv3d.builder(child("weight_layer.2"), numModalities).kernel(1)
        .init(Initializers.heNormal()).build();
    this.leakySlope = leakySlope;
  }

  /**
   * The fused region feature [B, D, H, W, C].
   *
   * @param masked the M modality maps [B, D, H, W, C], missing ones zeroed
   * @param region the region probability P_c [B, D, H, W, 1] (detached by the caller)
   */
  public Operand<TFloat32> apply(
      GraphContext ctx, List<Operand<TFloat32>> masked, Operand<TFloat32> region) {
    Ops tf = ctx.tf();
    Operand<TInt32> spatial = tf.constant(new int[] {1, 2, 3});
    Operand<TFloat32> regionMean =
        tf.math.add(tf.math.mean(region, spatial), tf.constant(EPS)); // [B, 1]
    List<Operand<TFloat32>> descriptor = new ArrayList<>();
    for (Operand<TFloat32> f : masked) {
      Operand<TFloat32> avg = tf.math.mean(tf.math.mul(f, region), spatial, Mean.keepDims(false));
      descriptor.add(tf.math.div(avg, regionMean)); // [B, C]
    }
    descriptor.add(regionMean);
    Operand<TFloat32> v = tf.concat(descriptor, tf.constant(1)); // [B, M·C + 1]
    long width = v.shape().get(1);
    v = tf.reshape(v, tf.constant(new long[] {-1, 1, 1, 1, width}));
    Operand<TFloat32> h = Activations.leakyRelu(tf, hidden.apply(ctx, v), leakySlope);
    Operand<TFloat32> weights = tf.math.sigmoid(out.apply(ctx, h)); // [B, 1, 1, 1, M]
    List<Operand<TFloat32>> w = Splits.split(tf, weights, 4, numModalities);
    // Σ_k w_k·(F_k·P_c) computed as P_c·Σ_k w_k·F_k: equal up to rounding, and the backward pass
    // keeps one C-channel map per region instead of M.
    Operand<TFloat32> sum = tf.math.mul(masked.get(0), w.get(0));
    for (int k = 1; k < numModalities; k++) {
      sum = tf.math.add(sum, tf.math.mul(masked.get(k), w.get(k)));
    }
    return tf.math.mul(sum, region);
  }
}
