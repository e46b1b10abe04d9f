package org.delineo.graph.heads;

import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.init.Initializer;
import org.delineo.graph.layers.Activations;
import org.delineo.graph.layers.Linear;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * mmcv's {@code FFN} ({@code mmcv/cnn/bricks/transformer.py}) with two layers and ReLU, as mmdet's
 * DETR-family layers build it: Linear to the hidden width ({@code <name>.layers.0.0}), ReLU, Linear
 * back ({@code <name>.layers.1}), plus the input ({@code add_identity=True}). Its dropouts
 * ({@code ffn_drop}, {@code dropout_layer}) are 0 in the Mask2Former configs and are left out.
 */
public final class TransformerFfn extends Module {
  private final Linear fc1;
  private final Linear fc2;

  /**
   * @param name module path, e.g. {@code decode_head.pixel_decoder.encoder.layers.0.ffn}
   * @param dims input and output width
   * @param hidden hidden width ({@code feedforward_channels})
   * @param init initializer of both weights (biases start at 0)
   */
  public TransformerFfn(String name, int dims, int hidden, Initializer init) {
    super(name);
    if (dims < 1 || hidden < 1) {
      throw new DelineoException(name + ": widths must be positive, found " + dims + " and " + hidden);
    }
    this.fc1 = new Linear(child("layers.0.0"), hidden, true, init);
    this.fc2 = new Linear(child("layers.1"), dims, true, init);
  }

  /** {@code x + layers.1(relu(layers.0.0(x)))}, any leading axes. */
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> x) {
    Operand<TFloat32> hidden = Activations.relu(ctx.tf(), fc1.apply(ctx, x));
    return ctx.tf().math.add(x, fc2.apply(ctx, hidden));
  }
}
