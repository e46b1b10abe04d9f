package org.delineo.graph.heads;

import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.init.Initializer;
import org.delineo.graph.layers.Activations;
import org.delineo.graph.layers.Linear;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * mmcv's transformer {@code FFN} with two layers, ReLU and the residual: {@code x + fc2(relu(fc1(x)))}
 * on the last axis ({@code mmcv/cnn/bricks/transformer.py} {@code FFN.forward}, add_residual true).
 * Its variables keep mmcv's {@code Sequential} names: {@code <name>.layers.0.0.weight/bias} (fc1,
 * width → hidden) and {@code <name>.layers.1.weight/bias} (fc2, hidden → width). The dropouts of
 * the reference are 0 in Mask2Former and are left out.
 */
public final class FeedForwardNetwork extends Module implements Layer {
  private final long width;
  private final Linear fc1;
  private final Linear fc2;

  /**
   * @param name module path, e.g. {@code decode_head.transformer_decoder.layers.0.ffn}
   * @param width token width ({@code embed_dims}), positive
   * @param hidden width of the hidden layer ({@code feedforward_channels}), positive
   * @param weightInit initializer of both weights (the biases keep PyTorch's default U(±1/√fan_in))
   */
  public FeedForwardNetwork(String name, long width, long hidden, Initializer weightInit) {
    super(name);
    if (width < 1 || hidden < 1) {
      throw new DelineoException(name + ": embed_dims and feedforward_channels must be positive, found "
          + width + " and " + hidden);
    }
    this.width = width;
    this.fc1 = new Linear(child("layers.0.0"), hidden, weightInit, TransformerInits.torchLinearBias(width));
    this.fc2 = new Linear(child("layers.1"), width, weightInit, TransformerInits.torchLinearBias(hidden));
  }

  /** @param input [..., width]; returns the same shape */
  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Shape s = input.shape();
    if (s.isUnknown() || s.numDimensions() < 1 || s.size(s.numDimensions() - 1) != width) {
      throw new ShapeMismatchException(
          name() + ": expected tokens of width " + width + " on the last axis, found shape " + s);
    }
    Operand<TFloat32> h = Activations.relu(ctx.tf(), fc1.apply(ctx, input));
    return ctx.tf().math.add(input, fc2.apply(ctx, h));
  }
}
