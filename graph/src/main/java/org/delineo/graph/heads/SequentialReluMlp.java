package org.delineo.graph.heads;

import java.util.Arrays;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.layers.Activations;
import org.delineo.graph.layers.Linear;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A PyTorch {@code nn.Sequential(Linear, ReLU, Linear, ReLU, ..., Linear)} on the last axis, with
 * ReLU between the linear layers and none after the last, e.g. Mask2Former's {@code mask_embed}
 * (3 layers 256 → 256). The linear layers keep their {@code Sequential} indices as names:
 * {@code <name>.0}, {@code <name>.2}, {@code <name>.4}, ... (the ReLUs hold the odd indices). Every
 * layer has PyTorch's default {@code nn.Linear} initialisation, U(±1/√fan_in) for weight and bias.
 */
public final class SequentialReluMlp extends Module implements Layer {
  private final long[] widths;

  /**
   * @param name module path, e.g. {@code decode_head.mask_embed}
   * @param widths output width of each linear layer, in order; at least one, all positive
   */
  public SequentialReluMlp(String name, long... widths) {
    super(name);
    if (widths.length == 0 || Arrays.stream(widths).anyMatch(w -> w < 1)) {
      throw new DelineoException(
          name + ": needs at least one layer of positive width, found " + Arrays.toString(widths));
    }
    this.widths = widths.clone();
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    if (input.shape().isUnknown() || input.shape().numDimensions() < 1
        || input.shape().size(input.shape().numDimensions() - 1) < 1) {
      throw new ShapeMismatchException(
          name() + ": expected a static width on the last axis, found shape " + input.shape());
    }
    long in = input.shape().size(input.shape().numDimensions() - 1);
    Operand<TFloat32> x = input;
    for (int j = 0; j < widths.length; j++) {
      if (j > 0) {
        x = Activations.relu(ctx.tf(), x);
      }
      Linear layer = new Linear(child(String.valueOf(2 * j)), widths[j],
          TransformerInits.torchLinearWeight(), TransformerInits.torchLinearBias(in));
      x = layer.apply(ctx, x);
      in = widths[j];
    }
    return x;
  }
}
