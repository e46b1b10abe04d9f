package org.delineo.graph.backbones;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.layers.Activations;
import org.delineo.graph.layers.Conv2d;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * mmseg's {@code MSCASpatialAttention}: 1 × 1 {@code proj_1} → GELU → the gating
 * {@link MscaAttention} {@code spatial_gating_unit} → 1 × 1 {@code proj_2}, plus the input
 * (shortcut inside the module, before the block's layer scale).
 */
final class MscaSpatialAttention extends Module implements Layer {
  private final Conv2d proj1;
  private final MscaAttention gatingUnit;
  private final Conv2d proj2;

  MscaSpatialAttention(String name, int channels, int squareKernel, int[] stripLengths) {
    super(name);
    this.proj1 = MscanConvs.pointwise(child("proj_1"), channels);
    this.gatingUnit = new MscaAttention(child("spatial_gating_unit"), channels, squareKernel, stripLengths);
    this.proj2 = MscanConvs.pointwise(child("proj_2"), channels);
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Operand<TFloat32> x = Activations.gelu(ctx.tf(), proj1.apply(ctx, input));
    x = proj2.apply(ctx, gatingUnit.apply(ctx, x));
    return ctx.tf().math.add(x, input);
  }
}
