package org.delineo.graph.backbones;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.layers.Activations;
import org.delineo.graph.layers.BatchNorm;
import org.delineo.graph.layers.Conv2d;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The ResNet bottleneck of HRNet's stage 1 (stride 1): conv1 1×1 → bn1 → ReLU → conv2 3×3 → bn2 →
 * ReLU → conv3 1×1 (4× planes) → bn3, plus the shortcut, → ReLU. The first block of the layer has a
 * projection shortcut {@code <name>.downsample.0} (1×1 conv) / {@code .downsample.1} (BN) because
 * its input has fewer channels than 4× planes.
 */
final class HrBottleneck extends Module implements Layer {
  /** Output channels per plane, as ResNet's {@code Bottleneck.expansion}. */
  static final int EXPANSION = 4;

  private final Conv2d conv1;
  private final BatchNorm bn1;
  private final Conv2d conv2;
  private final BatchNorm bn2;
  private final Conv2d conv3;
  private final BatchNorm bn3;
  private final HrConvBn downsample;

  /**
   * @param planes width of the inner convs; the block outputs {@code 4 · planes} channels
   * @param downsample whether the shortcut is a 1×1 conv + BN (needed when input channels differ
   *     from {@code 4 · planes})
   */
  HrBottleneck(String name, int planes, boolean downsample) {
    super(name);
    this.conv1 = HrConvBn.conv(child("conv1"), planes, 1, 1);
    this.bn1 = new BatchNorm(child("bn1"));
    this.conv2 = HrConvBn.conv(child("conv2"), planes, 3, 1);
    this.bn2 = new BatchNorm(child("bn2"));
    this.conv3 = HrConvBn.conv(child("conv3"), planes * EXPANSION, 1, 1);
    this.bn3 = new BatchNorm(child("bn3"));
    this.downsample =
        downsample ? new HrConvBn(child("downsample"), planes * EXPANSION, 1, 1, false) : null;
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Ops tf = ctx.tf();
    Operand<TFloat32> y = Activations.relu(tf, bn1.apply(ctx, conv1.apply(ctx, input)));
    y = Activations.relu(tf, bn2.apply(ctx, conv2.apply(ctx, y)));
    y = bn3.apply(ctx, conv3.apply(ctx, y));
    Operand<TFloat32> shortcut = downsample == null ? input : downsample.apply(ctx, input);
    return Activations.relu(tf, tf.math.add(y, shortcut));
  }
}
