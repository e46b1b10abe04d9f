package org.delineo.graph.backbones;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.layers.Activations;
import org.delineo.graph.layers.BatchNorm;
import org.delineo.graph.layers.Conv2d;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * mmseg's MSCAN {@code StemConv}, the first stage's patch embedding: 3 × 3 / 2 conv (padding 1) to
 * half the width → BN → GELU → 3 × 3 / 2 conv (padding 1) to the width → BN, i.e. stride 4. In
 * the {@code nn.Sequential} {@code proj} these are {@code proj.0, proj.1, (GELU 2), proj.3, proj.4}.
 * No activation follows the second BN.
 */
final class MscanStem extends Module implements Layer {
  private final Conv2d conv1;
  private final BatchNorm bn1;
  private final Conv2d conv2;
  private final BatchNorm bn2;

  /** @param outChannels the first stage's width (even) */
  MscanStem(String name, int outChannels) {
    super(name);
    this.conv1 = MscanConvs.dense(child("proj.0"), outChannels / 2, 3, 3, 2, 1, 1);
    this.bn1 = new BatchNorm(child("proj.1"));
    this.conv2 = MscanConvs.dense(child("proj.3"), outChannels, 3, 3, 2, 1, 1);
    this.bn2 = new BatchNorm(child("proj.4"));
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Operand<TFloat32> x = Activations.gelu(ctx.tf(), bn1.apply(ctx, conv1.apply(ctx, input)));
    return bn2.apply(ctx, conv2.apply(ctx, x));
  }
}
