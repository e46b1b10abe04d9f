package org.delineo.graph.heads;

import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.layers.ResizeMode;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * SegNeXt's decode head, mmseg 1.2.2's {@code LightHamHead}: the levels it reads (mmseg
 * {@code in_index=[1, 2, 3]}) are each resized bilinearly (align_corners false) to the first one's
 * size and concatenated; the 1 × 1 {@code squeeze} (conv + GN + ReLU) maps them to
 * {@code ham_channels}; the {@link Hamburger} {@code hamburger}; the 1 × 1 {@code align} (conv + GN
 * + ReLU) to {@code channels}; then channel dropout and {@code conv_seg}. Logits come out at the
 * first read level's resolution (stride 8 on MSCAN). Every group norm has {@code groups} groups
 * (mmseg's {@code GN(num_groups=32)}), so both widths must be multiples of it.
 *
 * <pre>{@code
 * LightHamHead head = LightHamHead.builder("decode_head", 19).build();   // 512 / 512: 1,291,283 params
 * LightHamHead prove = LightHamHead.builder("decode_head", 19).channels(256).hamChannels(256).build();
 * }</pre>
 */
public final class LightHamHead extends Module implements DecodeHead {
  private final int[] inIndices;
  private final ResizeMode resizeMode;
  private final ConvModule squeeze;
  private final Hamburger hamburger;
  private final ConvModule align;
  private final SegClassifier classifier;

  private LightHamHead(Builder b) {
    super(b.name);
    if (b.inIndices.length == 0) {
      throw new DelineoException(b.name + ": needs at least one input level, found none");
    }
    if (b.groups < 1 || b.channels < 1 || b.hamChannels < 1
        || b.channels % b.groups != 0 || b.hamChannels % b.groups != 0) {
      throw new DelineoException(b.name + ": channels and ham_channels must be positive multiples of the "
          + b.groups + " group-norm groups, found " + b.channels + " and " + b.hamChannels);
    }
    this.inIndices = b.inIndices.clone();
    this.resizeMode = b.alignCorners ? ResizeMode.ALIGN_CORNERS : ResizeMode.HALF_PIXEL;
    this.squeeze = ConvModule.pointwiseGroupNorm(child("squeeze"), b.hamChannels, b.groups, true);
    this.hamburger = new Hamburger(child("hamburger"), b.hamChannels, b.groups, b.rank, b.trainSteps, b.evalSteps);
    this.align = ConvModule.pointwiseGroupNorm(child("align"), b.channels, b.groups, true);
    this.classifier = new SegClassifier(b.name, b.numClasses, b.dropout);
  }

  /**
   * A builder with mmseg's SegNeXt MSCAN-B settings: levels 1, 2, 3, channels = ham_channels = 512,
   * GN 32, dropout 0.1, NMF rank 16 with 6 / 7 steps, align_corners false.
   *
   * @param name module path, normally {@code decode_head}
   */
  public static Builder builder(String name, int numClasses) {
    return new Builder(name, numClasses);
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, List<Operand<TFloat32>> features) {
    Ops tf = ctx.tf();
    Operand<TFloat32> cat = HeadOps.resizeConcat(tf, name(), features, inIndices, resizeMode);
    Operand<TFloat32> x = hamburger.apply(ctx, squeeze.apply(ctx, cat));
    return classifier.apply(ctx, align.apply(ctx, x));
  }

  /** Readable construction; defaults are mmseg's SegNeXt MSCAN-B head. */
  public static final class Builder {
    private final String name;
    private final int numClasses;
    private int[] inIndices = {1, 2, 3};
    private int channels = 512;
    private int hamChannels = 512;
    private int groups = 32;
    private float dropout = 0.1f;
    private int rank = 16;
    private int trainSteps = 6;
    private int evalSteps = 7;
    private boolean alignCorners = false;

    private Builder(String name, int numClasses) {
      this.name = name;
      this.numClasses = numClasses;
    }

    /** The levels read, resized to the first one's size; default (1, 2, 3). */
    public Builder inIndices(int... values) {
      this.inIndices = values.clone();
      return this;
    }

    /** Width of {@code align} (mmseg {@code channels}); default 512. */
    public Builder channels(int value) {
      this.channels = value;
      return this;
    }

    /** Width of {@code squeeze} and the Hamburger (mmseg {@code ham_channels}); default 512. */
    public Builder hamChannels(int value) {
      this.hamChannels = value;
      return this;
    }

    /** Groups of every group norm; default 32. */
    public Builder groups(int value) {
      this.groups = value;
      return this;
    }

    /** Channel-dropout rate before {@code conv_seg}; ≤ 0 disables it; default 0.1. */
    public Builder dropout(float value) {
      this.dropout = value;
      return this;
    }

    /** NMF rank (mmseg {@code MD_R}); default 16. */
    public Builder rank(int value) {
      this.rank = value;
      return this;
    }

    /** NMF update steps in TRAIN and in EVAL / PREDICT; default 6 and 7. */
    public Builder steps(int train, int eval) {
      this.trainSteps = train;
      this.evalSteps = eval;
      return this;
    }

    /** mmseg's {@code align_corners} for the level resize; default false. */
    public Builder alignCorners(boolean value) {
      this.alignCorners = value;
      return this;
    }

    public LightHamHead build() {
      return new LightHamHead(this);
    }
  }
}
