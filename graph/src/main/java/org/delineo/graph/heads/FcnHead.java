package org.delineo.graph.heads;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.layers.ResizeMode;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * mmseg's {@code FCNHead}: {@code num_convs} k × k {@link ConvModule}s {@code convs.i} (dilated when
 * configured), optionally the input concatenated with their output into {@code conv_cat}, then the
 * classifier {@code conv_seg}. It is both the ResNet auxiliary head ({@link #builder} defaults:
 * level 2, 256 channels, one 3 × 3 conv, no concat, dropout 0.1) and the HRNetV2 head, which reads
 * several levels with mmseg's {@code resize_concat} (each resized bilinearly to the first one's
 * size, then concatenated).
 */
public final class FcnHead extends Module implements DecodeHead {
  private final int[] inIndices;
  private final int channels;
  private final ResizeMode resizeMode;
  private final List<ConvModule> convs = new ArrayList<>();
  private final ConvModule convCat;
  private final SegClassifier classifier;

  private FcnHead(Builder b) {
    super(b.name);
    if (b.inIndices.length == 0) {
      throw new DelineoException(b.name + ": needs at least one input level, found none");
    }
    if (b.numConvs < 0) {
      throw new DelineoException(b.name + ": num_convs must be >= 0, found " + b.numConvs);
    }
    if (b.kernel <= 0 || b.kernel % 2 == 0) {
      throw new DelineoException(b.name + ": kernel size must be odd and positive, found " + b.kernel);
    }
    this.inIndices = b.inIndices;
    this.channels = b.channels;
    this.resizeMode = b.alignCorners ? ResizeMode.ALIGN_CORNERS : ResizeMode.HALF_PIXEL;
    for (int i = 0; i < b.numConvs; i++) {
      convs.add(ConvModule.conv(child("convs." + i), b.channels, b.kernel, b.dilation));
    }
    this.convCat = b.concatInput ? ConvModule.conv(child("conv_cat"), b.channels, b.kernel, 1) : null;
    this.classifier = new SegClassifier(b.name, b.numClasses, b.dropout);
  }

  /**
   * A builder with the mmseg ResNet auxiliary-head settings: level 2, channels 256, one 3 × 3 conv,
   * no input concat, dropout 0.1, align_corners false.
   *
   * @param name module path, e.g. {@code auxiliary_head} or {@code decode_head}
   */
  public static Builder builder(String name, int numClasses) {
    return new Builder(name, numClasses);
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, List<Operand<TFloat32>> features) {
    Ops tf = ctx.tf();
    Operand<TFloat32> x = input(tf, features);
    Operand<TFloat32> feats = x;
    if (convs.isEmpty()) {
      // mmseg replaces the convs by an identity, which only fits when the widths agree.
      long in = x.shape().get(3);
      if (in != channels) {
        throw new ShapeMismatchException(name() + ": with num_convs 0 the input must have "
            + channels + " channels, found shape " + x.shape());
      }
    }
    for (ConvModule conv : convs) {
      feats = conv.apply(ctx, feats);
    }
    if (convCat != null) {
      feats = convCat.apply(ctx, tf.concat(List.of(x, feats), tf.constant(3)));
    }
    return classifier.apply(ctx, feats);
  }

  private Operand<TFloat32> input(Ops tf, List<Operand<TFloat32>> features) {
    if (inIndices.length == 1) {
      return HeadOps.select(name(), features, inIndices[0]);
    }
    return HeadOps.resizeConcat(tf, name(), features, inIndices, resizeMode);
  }

  /** Readable construction; defaults are the mmseg ResNet auxiliary head. */
  public static final class Builder {
    private final String name;
    private final int numClasses;
    private int[] inIndices = {2};
    private int channels = 256;
    private int numConvs = 1;
    private int kernel = 3;
    private int dilation = 1;
    private boolean concatInput = false;
    private float dropout = 0.1f;
    private boolean alignCorners = false;

    private Builder(String name, int numClasses) {
      this.name = name;
      this.numClasses = numClasses;
    }

    /** One level ({@code in_index}), or several read with {@code resize_concat}. */
    public Builder inIndices(int... values) {
      this.inIndices = Arrays.copyOf(values, values.length);
      return this;
    }

    /** Output channels of every conv. */
    public Builder channels(int value) {
      this.channels = value;
      return this;
    }

    /** Number of stacked ConvModules (0: identity, input width must equal channels). */
    public Builder numConvs(int value) {
      this.numConvs = value;
      return this;
    }

    /** Kernel size of the convs and of {@code conv_cat} (odd). */
    public Builder kernel(int value) {
      this.kernel = value;
      return this;
    }

    /** Atrous rate of the convs ({@code conv_cat} is never dilated, as in mmseg). */
    public Builder dilation(int value) {
      this.dilation = value;
      return this;
    }

    /** Whether to concatenate the input with the convs' output into {@code conv_cat}. */
    public Builder concatInput(boolean value) {
      this.concatInput = value;
      return this;
    }

    /** Channel-dropout rate before {@code conv_seg}; ≤ 0 disables it (mmseg's −1). */
    public Builder dropout(float value) {
      this.dropout = value;
      return this;
    }

    /** mmseg's {@code align_corners} for {@code resize_concat}. */
    public Builder alignCorners(boolean value) {
      this.alignCorners = value;
      return this;
    }

    public FcnHead build() {
      return new FcnHead(this);
    }
  }
}
