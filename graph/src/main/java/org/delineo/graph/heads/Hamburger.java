package org.delineo.graph.heads;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.layers.Activations;
import org.delineo.graph.layers.Conv2d;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * mmseg's {@code Hamburger} ({@code decode_heads/ham_head.py}): the lower bread {@code ham_in}, a
 * 1 × 1 conv with bias and neither norm nor activation, then ReLU (so the ham sees a non-negative
 * map); the ham {@code ham}, an {@link Nmf2d}; the upper bread {@code ham_out}, a 1 × 1 conv + GN
 * without activation; finally ReLU(x + ham_out).
 */
final class Hamburger extends Module implements Layer {
  private final Conv2d hamIn;
  private final Nmf2d ham;
  private final ConvModule hamOut;

  /**
   * @param channels mmseg's {@code ham_channels}, the width in and out
   * @param groups the group count of {@code ham_out}'s group norm
   */
  Hamburger(String name, int channels, int groups, int rank, int trainSteps, int evalSteps) {
    super(name);
    this.hamIn = Conv2d.builder(child("ham_in.conv"), channels).kernel(1).bias(true)
        .init(HeadInits.kaimingFanOut()).build();
    this.ham = new Nmf2d(child("ham"), rank, trainSteps, evalSteps);
    this.hamOut = ConvModule.pointwiseGroupNorm(child("ham_out"), channels, groups, false);
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Ops tf = ctx.tf();
    Operand<TFloat32> enjoy = Activations.relu(tf, hamIn.apply(ctx, input));
    enjoy = hamOut.apply(ctx, ham.apply(ctx, enjoy));
    return Activations.relu(tf, tf.math.add(input, enjoy));
  }
}
