package org.delineo.graph.backbones;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.layers.DropPath;
import org.delineo.graph.layers.LayerNorm;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The Swin Transformer backbone, mmseg's {@code SwinTransformer} ({@code mmseg/models/backbones/swin.py})
 * with every stage an output: a {@link SwinPatchEmbed} ({@code patch_embed}: p × p patches, LayerNorm),
 * then per stage i a {@link SwinStage} ({@code stages.i}: blocks of window attention with relative
 * position bias, every second block with shifted windows, and a {@link PatchMerging} to the next
 * stage except after the last) whose feature map, before the merging, goes through its own LayerNorm
 * ({@code norm0}, {@code norm1}, ...). Stage i has width embed_dims·2^i at stride p·2^i. Settings
 * mmseg exposes but that are fixed here: qkv bias on, qk_scale head_dim^−1/2, dropout and attention
 * dropout 0, no absolute position embedding (so {@code pretrain_img_size} has no effect), patch
 * norm on, all LayerNorms eps 1e-5. The stochastic-depth rate grows linearly over all blocks,
 * {@code torch.linspace(0, drop_path_rate, sum(depths))}.
 *
 * <p>Variable names are mmseg's state-dict keys under the prefix given at construction, e.g.
 * {@code backbone.patch_embed.projection.weight}, {@code backbone.stages.0.blocks.1.attn.w_msa.qkv.weight},
 * {@code backbone.stages.0.blocks.1.attn.w_msa.relative_position_bias_table},
 * {@code backbone.stages.2.blocks.17.ffn.layers.0.0.weight}, {@code backbone.stages.0.downsample.reduction.weight},
 * {@code backbone.norm3.bias}. The relative position indices, a buffer in mmseg's state dict, are
 * constants here.
 *
 * <pre>{@code
 * SwinTransformer swinB = SwinTransformer.builder("backbone").build();    // Mask2Former's Swin-B
 * SwinTransformer swinT = SwinTransformer.builder("backbone").embedDims(96).depths(2, 2, 6, 2)
 *     .numHeads(3, 6, 12, 24).windowSize(7).build();                      // Swin-T
 * List<Operand<TFloat32>> maps = swinB.apply(ctx, image); // 128, 256, 512, 1024 channels at /4../32
 * }</pre>
 */
public final class SwinTransformer extends Module {
  private final int[] widths;
  private final int patchSize;
  private final SwinPatchEmbed patchEmbed;
  private final List<SwinStage> stages = new ArrayList<>();
  private final List<LayerNorm> norms = new ArrayList<>();

  private SwinTransformer(Builder b) {
    super(b.prefix);
    int count = b.depths.length;
    if (count == 0 || b.numHeads.length != count) {
      throw new DelineoException(b.prefix + ": expected one depth and one head count per stage (at least one"
          + " stage), found depths " + Arrays.toString(b.depths) + " and num_heads " + Arrays.toString(b.numHeads));
    }
    requirePositive(b.prefix, "depths", b.depths);
    requirePositive(b.prefix, "num_heads", b.numHeads);
    requirePositive(b.prefix, "embed_dims", new int[] {b.embedDims});
    requirePositive(b.prefix, "window_size", new int[] {b.windowSize});
    requirePositive(b.prefix, "mlp_ratio", new int[] {b.mlpRatio});
    requirePositive(b.prefix, "patch_size", new int[] {b.patchSize});
    this.widths = new int[count];
    for (int i = 0; i < count; i++) {
      widths[i] = b.embedDims << i;
      if (widths[i] % b.numHeads[i] != 0) {
        throw new DelineoException(b.prefix + ": stage " + i + " has " + b.numHeads[i] + " heads, which do not"
            + " divide its width " + widths[i] + " (embed_dims " + b.embedDims + " x 2^" + i + ")");
      }
    }
    this.patchSize = b.patchSize;
    float[] rates = DropPath.linearRates(b.dropPathRate, Arrays.stream(b.depths).sum());
    this.patchEmbed = new SwinPatchEmbed(child("patch_embed"), b.embedDims, b.patchSize);
    int first = 0;
    for (int i = 0; i < count; i++) {
      float[] stageRates = Arrays.copyOfRange(rates, first, first + b.depths[i]);
      first += b.depths[i];
      stages.add(new SwinStage(child("stages." + i), widths[i], b.numHeads[i], b.windowSize, b.mlpRatio, stageRates,
          i < count - 1));
      norms.add(new LayerNorm(child("norm" + i)));
    }
  }

  /** A builder with the settings of mmseg's Mask2Former Swin-B (in22k, 384): see {@link Builder}. */
  public static Builder builder(String prefix) {
    return new Builder(prefix);
  }

  private static void requirePositive(String prefix, String setting, int[] values) {
    for (int v : values) {
      if (v < 1) {
        throw new DelineoException(prefix + ": " + setting + " must be positive, found " + Arrays.toString(values));
      }
    }
  }

  /**
   * Builds the backbone on an NHWC image with a static channel count; any H and W (sizes that are
   * not multiples of the patch or window size are padded as in mmseg).
   *
   * @return one normalised map per stage, finest first: [N, ceil(H / 4), ceil(W / 4), C0], then each
   *     halved (rounded up) with twice the channels
   */
  public List<Operand<TFloat32>> apply(GraphContext ctx, Operand<TFloat32> image) {
    List<Operand<TFloat32>> outs = new ArrayList<>();
    Operand<TFloat32> x = patchEmbed.apply(ctx, image);
    for (int i = 0; i < stages.size(); i++) {
      SwinStage stage = stages.get(i);
      Operand<TFloat32> features = stage.apply(ctx, x);
      outs.add(norms.get(i).apply(ctx, features));
      if (stage.hasDownsample()) {
        x = stage.downsample(ctx, features);
      }
    }
    return outs;
  }

  /** Channels of the stage outputs, finest first (embed_dims·2^i). */
  public int[] embedDims() {
    return widths.clone();
  }

  /** The stages' contract: {@link #embedDims} at strides patch_size·2^i (4, 8, 16, 32). */
  public FeatureLevels featureLevels() {
    List<Integer> channels = new ArrayList<>();
    List<Integer> strides = new ArrayList<>();
    for (int i = 0; i < widths.length; i++) {
      channels.add(widths[i]);
      strides.add(patchSize << i);
    }
    return new FeatureLevels(channels, strides);
  }

  /**
   * Configures a {@link SwinTransformer}; defaults are the backbone of mmseg's
   * {@code mask2former_swin-b-in22k-384x384-pre_8xb2-90k_cityscapes-512x1024}: embed_dims 128, depths
   * [2, 2, 18, 2], heads [4, 8, 16, 32], window 12, mlp ratio 4, drop-path 0.3, patch size 4.
   */
  public static final class Builder {
    private final String prefix;
    private int embedDims = 128;
    private int[] depths = {2, 2, 18, 2};
    private int[] numHeads = {4, 8, 16, 32};
    private int windowSize = 12;
    private int mlpRatio = 4;
    private float dropPathRate = 0.3f;
    private int patchSize = 4;

    private Builder(String prefix) {
      this.prefix = prefix;
    }

    /** Width of the first stage; stage i has embed_dims·2^i (128: Swin-B). */
    public Builder embedDims(int value) {
      this.embedDims = value;
      return this;
    }

    /** Blocks per stage (2, 2, 18, 2); the stage count is its length. */
    public Builder depths(int... values) {
      this.depths = values.clone();
      return this;
    }

    /** Attention heads per stage (4, 8, 16, 32); each must divide its stage's width. */
    public Builder numHeads(int... values) {
      this.numHeads = values.clone();
      return this;
    }

    /** Side of the attention windows, in tokens (12). */
    public Builder windowSize(int value) {
      this.windowSize = value;
      return this;
    }

    /** FFN hidden width as a multiple of the stage width (4). */
    public Builder mlpRatio(int value) {
      this.mlpRatio = value;
      return this;
    }

    /** Stochastic-depth rate of the last block, in [0, 1) (0.3). */
    public Builder dropPathRate(float value) {
      this.dropPathRate = value;
      return this;
    }

    /** Side of the patches embedded by the first layer, also its stride (4). */
    public Builder patchSize(int value) {
      this.patchSize = value;
      return this;
    }

    public SwinTransformer build() {
      return new SwinTransformer(this);
    }
  }
}
