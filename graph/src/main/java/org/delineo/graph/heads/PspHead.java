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
 * PSPNet's decoder, mmseg's {@code PSPHead}: the pyramid pooling module {@code psp_modules.i}
 * (adaptive average pooling to s × s → 1 × 1 {@link ConvModule} {@code psp_modules.i.1} → bilinear
 * back to the feature size) for each pool scale s; the input and the pooled maps, in that order,
 * are concatenated into the 3 × 3 {@code bottleneck}, then the classifier {@code conv_seg}.
 */
public final class PspHead extends Module implements DecodeHead {
  private final int inIndex;
  private final int[] poolScales;
  private final ResizeMode resizeMode;
  private final List<ConvModule> pspModules = new ArrayList<>();
  private final ConvModule bottleneck;
  private final SegClassifier classifier;

  private PspHead(Builder b) {
    super(b.name);
    if (b.poolScales.length == 0) {
      throw new DelineoException(b.name + ": needs at least one pool scale, found none");
    }
    for (int s : b.poolScales) {
      if (s <= 0) {
        throw new DelineoException(
            b.name + ": pool scales must be positive, found " + Arrays.toString(b.poolScales));
      }
    }
    this.inIndex = b.inIndex;
    this.poolScales = b.poolScales;
    this.resizeMode = b.alignCorners ? ResizeMode.ALIGN_CORNERS : ResizeMode.HALF_PIXEL;
    for (int i = 0; i < poolScales.length; i++) {
      pspModules.add(ConvModule.conv(child("psp_modules." + i + ".1"), b.channels, 1, 1));
    }
    this.bottleneck = ConvModule.conv(child("bottleneck"), b.channels, 3, 1);
    this.classifier = new SegClassifier(b.name, b.numClasses, b.dropout);
  }

  /**
   * A builder with the mmseg PSPNet R50-D8 settings: channels 512, pool scales (1, 2, 3, 6),
   * dropout 0.1, input level 3, align_corners false.
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
    List<Operand<TFloat32>> outs = new ArrayList<>();
    outs.add(x);
    for (int i = 0; i < poolScales.length; i++) {
      Operand<TFloat32> pooled =
          pspModules.get(i).apply(ctx, HeadOps.adaptiveAvgPool(tf, x, poolScales[i]));
      outs.add(HeadOps.resizeLike(tf, pooled, x, resizeMode));
    }
    Operand<TFloat32> out = bottleneck.apply(ctx, tf.concat(outs, tf.constant(3)));
    return classifier.apply(ctx, out);
  }

  /** Readable construction; defaults are the mmseg PSPNet R50-D8 config. */
  public static final class Builder {
    private final String name;
    private final int numClasses;
    private int channels = 512;
    private int[] poolScales = {1, 2, 3, 6};
    private float dropout = 0.1f;
    private int inIndex = 3;
    private boolean alignCorners = false;

    private Builder(String name, int numClasses) {
      this.name = name;
      this.numClasses = numClasses;
    }

    /** Channels of each pyramid branch and of the bottleneck. */
    public Builder channels(int value) {
      this.channels = value;
      return this;
    }

    /** Output sizes of the adaptive poolings. */
    public Builder poolScales(int... values) {
      this.poolScales = Arrays.copyOf(values, values.length);
      return this;
    }

    /** Channel-dropout rate before {@code conv_seg}; ≤ 0 disables it. */
    public Builder dropout(float value) {
      this.dropout = value;
      return this;
    }

    /** Feature level the head reads. */
    public Builder inIndex(int value) {
      this.inIndex = value;
      return this;
    }

    /** mmseg's {@code align_corners} for the upsampling of the pooled maps. */
    public Builder alignCorners(boolean value) {
      this.alignCorners = value;
      return this;
    }

    public PspHead build() {
      return new PspHead(this);
    }
  }
}
