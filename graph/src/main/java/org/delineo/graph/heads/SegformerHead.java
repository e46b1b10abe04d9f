package org.delineo.graph.heads;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.layers.ResizeMode;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * SegFormer's all-MLP decoder, mmseg's {@code SegformerHead}: each input level i goes through a
 * 1 × 1 {@link ConvModule} to {@code channels} ({@code convs.i}: conv without bias, BN, ReLU), is
 * resized bilinearly (align_corners false) to the first input's size, the results are concatenated
 * in input order (level 0 first, as mmseg; the original NVlabs code concatenated deepest first),
 * fused by the 1 × 1 {@code fusion_conv} (BN, ReLU) and classified by {@code conv_seg} after
 * channel dropout. Any number of levels, so it sits on any backbone; the logits have the first
 * input's resolution.
 */
public final class SegformerHead extends Module implements DecodeHead {
  private final int[] inIndices;
  private final ResizeMode resizeMode;
  private final List<ConvModule> convs = new ArrayList<>();
  private final ConvModule fusionConv;
  private final SegClassifier classifier;

  private SegformerHead(Builder b) {
    super(b.name);
    if (b.inIndices.length == 0) {
      throw new DelineoException(b.name + ": needs at least one input level, found none");
    }
    if (b.channels < 1) {
      throw new DelineoException(b.name + ": channels must be positive, found " + b.channels);
    }
    this.inIndices = b.inIndices;
    this.resizeMode = b.alignCorners ? ResizeMode.ALIGN_CORNERS : ResizeMode.HALF_PIXEL;
    for (int i = 0; i < inIndices.length; i++) {
      convs.add(ConvModule.conv(child("convs." + i), b.channels, 1, 1));
    }
    this.fusionConv = ConvModule.conv(child("fusion_conv"), b.channels, 1, 1);
    this.classifier = new SegClassifier(b.name, b.numClasses, b.dropout);
  }

  /**
   * A builder with mmseg's {@code segformer_mit-b0} head settings: levels 0–3, channels 256,
   * dropout 0.1, align_corners false.
   *
   * @param name module path, normally {@code decode_head}
   */
  public static Builder builder(String name, int numClasses) {
    return new Builder(name, numClasses);
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, List<Operand<TFloat32>> features) {
    Ops tf = ctx.tf();
    Operand<TFloat32> first = HeadOps.select(name(), features, inIndices[0]);
    List<Operand<TFloat32>> outs = new ArrayList<>();
    for (int i = 0; i < inIndices.length; i++) {
      Operand<TFloat32> level = HeadOps.select(name(), features, inIndices[i]);
      // Convolve first, then resize (the reverse of FCN's resize_concat): mmseg's order.
      outs.add(HeadOps.resizeLike(tf, convs.get(i).apply(ctx, level), first, resizeMode));
    }
    Operand<TFloat32> fused = fusionConv.apply(ctx, tf.concat(outs, tf.constant(3)));
    return classifier.apply(ctx, fused);
  }

  /** Readable construction; defaults are mmseg's SegFormer head. */
  public static final class Builder {
    private final String name;
    private final int numClasses;
    private int[] inIndices = {0, 1, 2, 3};
    private int channels = 256;
    private float dropout = 0.1f;
    private boolean alignCorners = false;

    private Builder(String name, int numClasses) {
      this.name = name;
      this.numClasses = numClasses;
    }

    /** The levels it fuses, in concatenation order; the first sets the output size. */
    public Builder inIndices(int... values) {
      this.inIndices = Arrays.copyOf(values, values.length);
      return this;
    }

    /** Channels of every per-level conv and of the fusion conv. */
    public Builder channels(int value) {
      this.channels = value;
      return this;
    }

    /** Channel-dropout rate before {@code conv_seg}; ≤ 0 disables it. */
    public Builder dropout(float value) {
      this.dropout = value;
      return this;
    }

    /** mmseg's {@code align_corners} for the resizes to the first level. */
    public Builder alignCorners(boolean value) {
      this.alignCorners = value;
      return this;
    }

    public SegformerHead build() {
      return new SegformerHead(this);
    }
  }
}
