package org.delineo.graph.heads;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.layers.Activations;
import org.delineo.graph.layers.Linear;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * A PyTorch {@code nn.Sequential(Linear, ReLU, Linear, ReLU, ..., Linear)} on the last axis, with
 * ReLU between the linear layers and none after the last, e.g. Mask2Former's {@code mask_embed}
 * (3 layers 256 → 256). The linear layers keep their {@code Sequential} indices as names:
 * {@code <name>.0}, {@code <name>.2}, {@code <name>.4}, ... (the ReLUs hold the odd indices). Every
 * layer has PyTorch's default {@code nn.Linear} initialisation, U(±1/√fan_in) for weight and bias.
 */
public final class SequentialReluMlp extends Module implements Layer {
  private final long inFeatures;
  private final List<Linear> linears = new ArrayList<>();

  /**
   * @param name module path, e.g. {@code decode_head.mask_embed}
   * @param inFeatures width of the input's last axis
   * @param widths output width of each linear layer, in order; at least one, all positive
   */
  public SequentialReluMlp(String name, long inFeatures, long... widths) {
    super(name);
    if (inFeatures < 1 || widths.length == 0 || Arrays.stream(widths).anyMatch(w -> w < 1)) {
      throw new DelineoException(name + ": needs a positive input width and at least one layer of positive "
          + "width, found " + inFeatures + " → " + Arrays.toString(widths));
    }
    this.inFeatures = inFeatures;
    long in = inFeatures;
    for (int j = 0; j < widths.length; j++) {
      linears.add(new Linear(child(String.valueOf(2 * j)), widths[j],
          TransformerInits.torchLinearWeight(), TransformerInits.torchLinearBias(in)));
      in = widths[j];
    }
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Shape s = input.shape();
    if (s.isUnknown() || s.numDimensions() < 1 || s.size(s.numDimensions() - 1) != inFeatures) {
      throw new ShapeMismatchException(
          name() + ": expected width " + inFeatures + " on the last axis, found shape " + s);
    }
    Operand<TFloat32> x = input;
    for (int j = 0; j < linears.size(); j++) {
      x = linears.get(j).apply(ctx, j == 0 ? x : Activations.relu(ctx.tf(), x));
    }
    return x;
  }
}
