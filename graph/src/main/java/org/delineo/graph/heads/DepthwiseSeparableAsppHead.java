package org.delineo.graph.heads;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.layers.Pooling;
import org.delineo.graph.layers.Resize;
import org.delineo.graph.layers.ResizeMode;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * DeepLabV3+'s decoder, mmseg's {@code DepthwiseSeparableASPPHead}: on the deepest feature an
 * image-pooling branch (global mean → 1 × 1 {@link ConvModule} {@code image_pool.1} → bilinear
 * back to the feature size) and the ASPP branches {@code aspp_modules.i} (rate 1: 1 × 1
 * {@link ConvModule}; others: 3 × 3 {@link DepthwiseSeparableConvModule} with that rate), all
 * concatenated into the 3 × 3 {@code bottleneck}; the low-level feature is reduced by the 1 × 1
 * {@code c1_bottleneck}, the ASPP output is resized to it and concatenated, then two 3 × 3
 * separable modules {@code sep_bottleneck.0/1} and the classifier {@code conv_seg}.
 *
 * <pre>{@code
 * DecodeHead head = DepthwiseSeparableAsppHead.builder("decode_head", 19).build(); // mmseg config
 * }</pre>
 */
public final class DepthwiseSeparableAsppHead extends Module implements DecodeHead {
  private final int inIndex;
  private final int c1Index;
  private final ResizeMode resizeMode;
  private final ConvModule imagePool;
  private final List<Layer> asppModules = new ArrayList<>();
  private final ConvModule bottleneck;
  private final ConvModule c1Bottleneck;
  private final DepthwiseSeparableConvModule sep0;
  private final DepthwiseSeparableConvModule sep1;
  private final SegClassifier classifier;

  private DepthwiseSeparableAsppHead(Builder b) {
    super(b.name);
    if (b.dilations.length == 0) {
      throw new DelineoException(b.name + ": needs at least one ASPP dilation, found none");
    }
    this.inIndex = b.inIndex;
    this.c1Index = b.c1Index;
    this.resizeMode = b.alignCorners ? ResizeMode.ALIGN_CORNERS : ResizeMode.HALF_PIXEL;
    this.imagePool = ConvModule.conv(child("image_pool.1"), b.channels, 1, 1);
    for (int i = 0; i < b.dilations.length; i++) {
      String branch = child("aspp_modules." + i);
      asppModules.add(b.dilations[i] == 1
          ? ConvModule.conv(branch, b.channels, 1, 1)
          : new DepthwiseSeparableConvModule(branch, b.channels, 3, b.dilations[i]));
    }
    this.bottleneck = ConvModule.conv(child("bottleneck"), b.channels, 3, 1);
    this.c1Bottleneck = ConvModule.conv(child("c1_bottleneck"), b.c1Channels, 1, 1);
    this.sep0 = new DepthwiseSeparableConvModule(child("sep_bottleneck.0"), b.channels, 3, 1);
    this.sep1 = new DepthwiseSeparableConvModule(child("sep_bottleneck.1"), b.channels, 3, 1);
    this.classifier = new SegClassifier(b.name, b.numClasses, b.dropout);
  }

  /**
   * A builder with the mmseg DeepLabV3+ R50-D8 settings: channels 512, dilations (1, 12, 24, 36),
   * c1 channels 48, dropout 0.1, ASPP on level 3 and c1 from level 0, align_corners false.
   *
   * @param name module path, normally {@code decode_head}
   */
  public static Builder builder(String name, int numClasses) {
    return new Builder(name, numClasses);
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, List<Operand<TFloat32>> features) {
    Ops tf = ctx.tf();
    Operand<TFloat32> x = HeadOps.select(name(), features, inIndex);
    Operand<TFloat32> c1 = HeadOps.select(name(), features, c1Index);

    List<Operand<TFloat32>> branches = new ArrayList<>();
    Operand<TFloat32> pooled = imagePool.apply(ctx, Pooling.globalAvgPool2d(tf, x));
    branches.add(HeadOps.resizeLike(tf, pooled, x, resizeMode));
    for (Layer branch : asppModules) {
      branches.add(branch.apply(ctx, x));
    }
    Operand<TFloat32> out = bottleneck.apply(ctx, tf.concat(branches, tf.constant(3)));

    Operand<TFloat32> c1Out = c1Bottleneck.apply(ctx, c1);
    out = HeadOps.resizeLike(tf, out, c1Out, resizeMode);
    out = tf.concat(List.of(out, c1Out), tf.constant(3));
    out = sep1.apply(ctx, sep0.apply(ctx, out));
    return classifier.apply(ctx, out);
  }

  /** Readable construction; defaults are the mmseg DeepLabV3+ R50-D8 config. */
  public static final class Builder {
    private final String name;
    private final int numClasses;
    private int channels = 512;
    private int[] dilations = {1, 12, 24, 36};
    private int c1Channels = 48;
    private float dropout = 0.1f;
    private int inIndex = 3;
    private int c1Index = 0;
    private boolean alignCorners = false;

    private Builder(String name, int numClasses) {
      this.name = name;
      this.numClasses = numClasses;
    }

    /** Channels of every branch, the bottleneck and the separable bottleneck. */
    public Builder channels(int value) {
      this.channels = value;
      return this;
    }

    /** ASPP rates; a rate of 1 makes a 1 × 1 branch. */
    public Builder dilations(int... values) {
      this.dilations = Arrays.copyOf(values, values.length);
      return this;
    }

    /** Output channels of the low-level {@code c1_bottleneck}. */
    public Builder c1Channels(int value) {
      this.c1Channels = value;
      return this;
    }

    /** Channel-dropout rate before {@code conv_seg}; ≤ 0 disables it. */
    public Builder dropout(float value) {
      this.dropout = value;
      return this;
    }

    /** Feature level the ASPP reads. */
    public Builder inIndex(int value) {
      this.inIndex = value;
      return this;
    }

    /** Feature level of the low-level (c1) input. */
    public Builder c1Index(int value) {
      this.c1Index = value;
      return this;
    }

    /** mmseg's {@code align_corners} for the two bilinear resizes. */
    public Builder alignCorners(boolean value) {
      this.alignCorners = value;
      return this;
    }

    public DepthwiseSeparableAsppHead build() {
      return new DepthwiseSeparableAsppHead(this);
    }
  }
}
