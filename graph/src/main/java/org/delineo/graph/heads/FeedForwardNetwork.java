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
import org.tensorflow.types.TFloat32;

/**
 * mmcv's transformer {@code FFN} with two layers, ReLU and the residual: {@code x + fc2(relu(fc1(x)))}
 * on the last axis ({@code mmcv/cnn/bricks/transformer.py} {@code FFN.forward}, add_residual true).
 * Its variables keep mmcv's {@code Sequential} names: {@code <name>.layers.0.0.weight/bias} (fc1,
 * width → hidden) and {@code <name>.layers.1.weight/bias} (fc2, hidden → width). The dropouts of
 * the reference are 0 in Mask2Former and are left out.
 */
public final class FeedForwardNetwork extends Module implements Layer {
  private final long hidden;
  private final Initializer weightInit;

  /**
   * @param name module path, e.g. {@code decode_head.transformer_decoder.layers.0.ffn}
   * @param hidden width of the hidden layer ({@code feedforward_channels}), positive
   * @param weightInit initializer of both weights (the biases keep PyTorch's default U(±1/√fan_in))
   */
  public FeedForwardNetwork(String name, long hidden, Initializer weightInit) {
    super(name);
    if (hidden < 1) {
      throw new DelineoException(name + ": feedforward_channels must be positive, found " + hidden);
    }
    this.hidden = hidden;
    this.weightInit = weightInit;
  }

  /** @param input [..., width] with a static width; returns the same shape */
  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    long width = input.shape().isUnknown() ? -1 : input.shape().size(input.shape().numDimensions() - 1);
    if (width < 1) {
      throw new ShapeMismatchException(name() + ": expected a static token width on the last axis, found shape "
          + input.shape());
    }
    Linear fc1 = new Linear(child("layers.0.0"), hidden, weightInit, TransformerInits.torchLinearBias(width));
    Linear fc2 = new Linear(child("layers.1"), width, weightInit, TransformerInits.torchLinearBias(hidden));
    Operand<TFloat32> h = Activations.relu(ctx.tf(), fc1.apply(ctx, input));
    return ctx.tf().math.add(input, fc2.apply(ctx, h));
  }
}
