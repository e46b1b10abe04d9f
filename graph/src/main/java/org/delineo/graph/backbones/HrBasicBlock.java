package org.delineo.graph.backbones;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.layers.Activations;
import org.delineo.graph.layers.BatchNorm;
import org.delineo.graph.layers.Conv2d;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The ResNet basic block as HRNet's branches use it (stride 1, no downsample): conv1 3×3 → bn1 →
 * ReLU → conv2 3×3 → bn2, plus the input, → ReLU. Variables {@code <name>.conv1.weight},
 * {@code <name>.bn1.*}, {@code <name>.conv2.weight}, {@code <name>.bn2.*}.
 */
final class HrBasicBlock extends Module implements Layer {
  private final int channels;
  private final Conv2d conv1;
  private final BatchNorm bn1;
  private final Conv2d conv2;
  private final BatchNorm bn2;

  HrBasicBlock(String name, int channels) {
    super(name);
    this.channels = channels;
    this.conv1 = HrConvBn.conv(child("conv1"), channels, 3, 1);
    this.bn1 = new BatchNorm(child("bn1"));
    this.conv2 = HrConvBn.conv(child("conv2"), channels, 3, 1);
    this.bn2 = new BatchNorm(child("bn2"));
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    // The identity shortcut needs in == out channels; HRNet's transitions guarantee it, so a block
    // with a projection shortcut is never needed here.
    long in = input.shape().get(input.shape().numDimensions() - 1);
    if (in != channels) {
      throw new ShapeMismatchException(
          name() + ": input channels: expected " + channels + ", found " + in + " in shape "
              + input.shape());
    }
    Ops tf = ctx.tf();
    Operand<TFloat32> y = Activations.relu(tf, bn1.apply(ctx, conv1.apply(ctx, input)));
    y = bn2.apply(ctx, conv2.apply(ctx, y));
    return Activations.relu(tf, tf.math.add(y, input));
  }
}
