package org.delineo.graph.layers;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The transformer feed-forward block (timm {@code Mlp}): Linear {@code fc1} → exact GELU → dropout
 * → Linear {@code fc2} → dropout, on the last axis. Its variables are {@code <name>.fc1.weight},
 * {@code <name>.fc1.bias}, {@code <name>.fc2.weight}, {@code <name>.fc2.bias}.
 */
public final class Mlp extends Module implements Layer {

  private final Linear fc1;
  private final Linear fc2;
  private final Dropout drop1;
  private final Dropout drop2;

  /**
   * @param hiddenFeatures width after {@code fc1}
   * @param outFeatures width after {@code fc2}
   * @param dropout rate of both dropouts, in [0, 1)
   */
  public Mlp(String name, long hiddenFeatures, long outFeatures, float dropout) {
    super(name);
    this.fc1 = new Linear(child("fc1"), hiddenFeatures);
    this.fc2 = new Linear(child("fc2"), outFeatures);
    // Two modules, as in timm, so the two masks come from independent streams.
    this.drop1 = new Dropout(child("drop1"), dropout);
    this.drop2 = new Dropout(child("drop2"), dropout);
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Operand<TFloat32> hidden = Activations.gelu(ctx.tf(), fc1.apply(ctx, input));
    return drop2.apply(ctx, fc2.apply(ctx, drop1.apply(ctx, hidden)));
  }
}
