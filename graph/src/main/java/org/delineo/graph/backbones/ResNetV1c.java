package org.delineo.graph.backbones;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.layers.Activations;
import org.delineo.graph.layers.BatchNorm;
import org.delineo.graph.layers.Pooling;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * ResNetV1c backbone as in mmsegmentation ({@code ResNetV1c}: deep stem, plain 1×1 strided
 * projection shortcuts, no average-pool downsampling), returning the feature maps of its stages.
 *
 * <p>Deep stem: three bias-free 3×3 conv + BN + ReLU (3 → stem/2 with stride 2, stem/2 → stem/2,
 * stem/2 → stem), then a 3×3 / 2 max pool with PyTorch padding 1. Then four stages of
 * {@link Bottleneck} blocks with {@code planes = base·2^i}. The defaults are the segmentation
 * "D8" setting: strides (1, 2, 1, 1), dilations (1, 1, 2, 4) with contract-dilation (the first block
 * of a dilated stage uses half the rate), so the last stage has output stride 8.
 *
 * <p>Variables carry mmseg's state-dict names under the given prefix: {@code <prefix>.stem.0/1/3/4/6/7}
 * (conv, BN pairs; ReLUs sit at 2, 5, 8) and {@code <prefix>.layer1.0.conv1}, ...,
 * {@code <prefix>.layer1.0.downsample.0/1}.
 *
 * <pre>{@code
 * ResNetV1c backbone = new ResNetV1c("backbone");              // ResNetV1c-50 D8
 * List<Operand<TFloat32>> c = backbone.apply(ctx, image);      // c1..c4: 256, 512, 1024, 2048 ch
 * ResNetV1c tiny = ResNetV1c.builder("backbone").stageBlocks(1, 1, 1, 1).stemChannels(16)
 *     .baseChannels(8).build();
 * }</pre>
 */
public final class ResNetV1c extends Module {
  private final int[] stageBlocks;
  private final int stemChannels;
  private final int baseChannels;
  private final int[] strides;
  private final int[] dilations;
  private final boolean contractDilation;
  private final int[] outIndices;

  /** ResNetV1c-50 D8 (the DeepLabV3+ / PSPNet backbone) with all four stage outputs. */
  public ResNetV1c(String prefix) {
    this(builder(prefix));
  }

  private ResNetV1c(Builder b) {
    super(b.prefix);
    this.stageBlocks = b.stageBlocks.clone();
    this.stemChannels = b.stemChannels;
    this.baseChannels = b.baseChannels;
    this.strides = b.strides.clone();
    this.dilations = b.dilations.clone();
    this.contractDilation = b.contractDilation;
    this.outIndices = b.outIndices.clone();
    validate();
  }

  /** A builder preset to ResNetV1c-50 D8; variables live under {@code prefix}. */
  public static Builder builder(String prefix) {
    return new Builder(prefix);
  }

  /**
   * Builds the backbone on an NHWC image and returns the outputs of the stages listed in the
   * out-indices (by default all four, c1..c4), in stage order.
   *
   * @throws ShapeMismatchException if the image is not rank 4 with a static channel count
   */
  public List<Operand<TFloat32>> apply(GraphContext ctx, Operand<TFloat32> image) {
    if (image.shape().numDimensions() != 4 || image.shape().get(3) < 0) {
      throw new ShapeMismatchException(
          name() + ": expected an NHWC image [N, H, W, C] with a static C, found shape "
              + image.shape());
    }
    Ops tf = ctx.tf();
    Operand<TFloat32> x = image;
    int half = stemChannels / 2;
    x = stemUnit(ctx, x, 0, half, 2);
    x = stemUnit(ctx, x, 3, half, 1);
    x = stemUnit(ctx, x, 6, stemChannels, 1);
    x = Pooling.maxPool2d(tf, x, 3, 2, 1);

    List<Operand<TFloat32>> outs = new ArrayList<>();
    for (int stage = 0; stage < stageBlocks.length; stage++) {
      int planes = baseChannels << stage;
      for (int block = 0; block < stageBlocks[stage]; block++) {
        int stride = block == 0 ? strides[stage] : 1;
        String blockName = child("layer" + (stage + 1) + "." + block);
        x = new Bottleneck(blockName, planes, stride, blockDilation(stage, block)).apply(ctx, x);
      }
      if (returned(stage)) {
        outs.add(x);
      }
    }
    return Collections.unmodifiableList(outs);
  }

  /**
   * The atrous rate of block {@code block} of stage {@code stage} (both from 0): the stage's rate,
   * halved on the first block when contract-dilation is on and the rate exceeds 1 (mmseg's
   * {@code ResLayer}), which eases the jump from the previous stage's rate.
   */
  public int blockDilation(int stage, int block) {
    int rate = dilations[stage];
    return block == 0 && contractDilation && rate > 1 ? rate / 2 : rate;
  }

  /** Channels of each returned feature map, in order (256, 512, 1024, 2048 for the default). */
  public List<Integer> outChannels() {
    List<Integer> out = new ArrayList<>();
    for (int i : outIndices) {
      out.add((baseChannels << i) * Bottleneck.EXPANSION);
    }
    return Collections.unmodifiableList(out);
  }

  /** Total downsampling of the last stage: 4 (stem + pool) times the stage strides (8 for D8). */
  public int outputStride() {
    int s = 4;
    for (int st : strides) {
      s *= st;
    }
    return s;
  }

  /**
   * The returned maps' contract: {@link #outChannels} and each stage's stride, 4 (stem + pool)
   * times the strides of the stages up to it ([4, 8, 8, 8] for D8).
   */
  public FeatureLevels featureLevels() {
    List<Integer> strideOf = new ArrayList<>();
    int s = 4;
    for (int stage = 0; stage < strides.length; stage++) {
      s *= strides[stage];
      if (returned(stage)) {
        strideOf.add(s);
      }
    }
    return new FeatureLevels(outChannels(), strideOf);
  }

  private boolean returned(int stage) {
    return Arrays.stream(outIndices).anyMatch(i -> i == stage);
  }

  /** conv (stem.i) → BN (stem.i+1) → ReLU (stem.i+2, parameter-free). */
  private Operand<TFloat32> stemUnit(
      GraphContext ctx, Operand<TFloat32> x, int index, int out, int stride) {
    Operand<TFloat32> y = Bottleneck.conv(child("stem." + index), out, 3, stride, 1).apply(ctx, x);
    y = new BatchNorm(child("stem." + (index + 1))).apply(ctx, y);
    return Activations.relu(ctx.tf(), y);
  }

  private void validate() {
    int n = stageBlocks.length;
    if (n < 1) {
      throw new DelineoException(name() + ": at least one stage is needed");
    }
    if (strides.length != n || dilations.length != n) {
      throw new DelineoException(name() + ": expected " + n + " strides and dilations (one per stage),"
          + " found " + Arrays.toString(strides) + " and " + Arrays.toString(dilations));
    }
    if (stemChannels < 2 || stemChannels % 2 != 0 || baseChannels < 1) {
      throw new DelineoException(name() + ": stem channels must be even and >= 2 and base channels"
          + " positive, found " + stemChannels + " and " + baseChannels);
    }
    for (int i = 0; i < n; i++) {
      if (stageBlocks[i] < 1 || strides[i] < 1 || dilations[i] < 1) {
        throw new DelineoException(name() + ": stage " + (i + 1) + " needs positive blocks, stride"
            + " and dilation, found " + stageBlocks[i] + ", " + strides[i] + ", " + dilations[i]);
      }
      if (strides[i] > 1 && blockDilation(i, 0) > 1) {
        throw new DelineoException(name() + ": stage " + (i + 1) + " cannot both stride ("
            + strides[i] + ") and dilate (" + blockDilation(i, 0) + ") its first block");
      }
    }
    if (outIndices.length == 0) {
      throw new DelineoException(name() + ": out indices must name at least one stage");
    }
    for (int k = 0; k < outIndices.length; k++) {
      if (outIndices[k] < 0 || outIndices[k] >= n || (k > 0 && outIndices[k] <= outIndices[k - 1])) {
        throw new DelineoException(name() + ": out indices must be increasing stage indices in [0, "
            + (n - 1) + "], found " + Arrays.toString(outIndices));
      }
    }
  }

  /** Readable configuration of a {@link ResNetV1c}; defaults are ResNetV1c-50 D8. */
  public static final class Builder {
    private final String prefix;
    private int[] stageBlocks = {3, 4, 6, 3};
    private int stemChannels = 64;
    private int baseChannels = 64;
    private int[] strides = {1, 2, 1, 1};
    private int[] dilations = {1, 1, 2, 4};
    private boolean contractDilation = true;
    private int[] outIndices = {0, 1, 2, 3};

    private Builder(String prefix) {
      this.prefix = prefix;
    }

    /**
     * Standard bottleneck depths: 50 → [3, 4, 6, 3], 101 → [3, 4, 23, 3], 152 → [3, 8, 36, 3].
     *
     * @throws DelineoException for other depths (18 and 34 use basic blocks, not built here)
     */
    public Builder depth(int depth) {
      switch (depth) {
        case 50:
          return stageBlocks(3, 4, 6, 3);
        case 101:
          return stageBlocks(3, 4, 23, 3);
        case 152:
          return stageBlocks(3, 8, 36, 3);
        default:
          throw new DelineoException(
              prefix + ": ResNetV1c depth must be 50, 101 or 152, found " + depth);
      }
    }

    /** Blocks per stage, e.g. (1, 1, 1, 1) for a tiny variant. */
    public Builder stageBlocks(int... blocks) {
      this.stageBlocks = blocks.clone();
      return this;
    }

    /** Width of the deep stem's output (its first two convolutions use half); default 64. */
    public Builder stemChannels(int value) {
      this.stemChannels = value;
      return this;
    }

    /** Planes of the first stage (stage i uses base·2^i); default 64. */
    public Builder baseChannels(int value) {
      this.baseChannels = value;
      return this;
    }

    /** Stride of each stage's first block; default (1, 2, 1, 1). */
    public Builder strides(int... values) {
      this.strides = values.clone();
      return this;
    }

    /** Atrous rate of each stage; default (1, 1, 2, 4). */
    public Builder dilations(int... values) {
      this.dilations = values.clone();
      return this;
    }

    /** Whether the first block of a dilated stage uses half the rate; default true. */
    public Builder contractDilation(boolean value) {
      this.contractDilation = value;
      return this;
    }

    /** Which stages (from 0) to return, increasing; default all four. */
    public Builder outIndices(int... values) {
      this.outIndices = values.clone();
      return this;
    }

    public ResNetV1c build() {
      return new ResNetV1c(this);
    }
  }
}
