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
 * SegFormer's Mix Transformer backbone, mmseg 1.2.2's {@code MixVisionTransformer}: four stages,
 * each an {@link OverlapPatchEmbed} ({@code layers.i.0}), {@code num_layers[i]} {@link MitBlock}s
 * ({@code layers.i.1.j}: efficient self-attention with spatial reduction, Mix-FFN) and a LayerNorm
 * ({@code layers.i.2}); every stage's normalised map is an output. All LayerNorms use eps 1e-6
 * (mmseg's default {@code norm_cfg} for this backbone); qkv biases on; dropout and attention dropout
 * 0; the stochastic-depth rate grows linearly over all blocks, 0 for the first to
 * {@code drop_path_rate} for the last ({@code torch.linspace(0, rate, sum(num_layers))}).
 *
 * <p>Variable names are mmseg's state-dict keys under the prefix given at construction, e.g.
 * {@code backbone.layers.0.0.projection.weight}, {@code backbone.layers.0.1.0.attn.attn.in_proj_weight},
 * {@code backbone.layers.0.1.0.attn.sr.weight}, {@code backbone.layers.0.1.0.ffn.layers.1.weight},
 * {@code backbone.layers.0.2.weight}.
 *
 * <pre>{@code
 * MixTransformer b3 = MixTransformer.builder("backbone").build();           // MiT-B3
 * MixTransformer b0 = MixTransformer.builder("backbone").embedDims(32, 64, 160, 256)
 *     .numLayers(2, 2, 2, 2).build();                                       // MiT-B0
 * List<Operand<TFloat32>> maps = b3.apply(ctx, image); // 64, 128, 320, 512 channels at /4../32
 * }</pre>
 */
public final class MixTransformer extends Module {
  /** LayerNorm epsilon of mmseg's {@code MixVisionTransformer} ({@code norm_cfg=dict(type='LN', eps=1e-6)}). */
  public static final float LAYER_NORM_EPS = 1e-6f;

  private final int[] embedDims;
  private final int[] strides;
  private final List<OverlapPatchEmbed> patchEmbeds = new ArrayList<>();
  private final List<List<MitBlock>> blocks = new ArrayList<>();
  private final List<LayerNorm> norms = new ArrayList<>();

  private MixTransformer(Builder b) {
    super(b.prefix);
    int stages = b.embedDims.length;
    for (int[] values : new int[][] {b.numLayers, b.numHeads, b.srRatios, b.patchSizes, b.strides}) {
      if (values.length != stages) {
        throw new DelineoException(b.prefix + ": expected one value per stage in every setting, found embed_dims "
            + Arrays.toString(b.embedDims) + ", num_layers " + Arrays.toString(b.numLayers) + ", num_heads "
            + Arrays.toString(b.numHeads) + ", sr_ratios " + Arrays.toString(b.srRatios) + ", patch_sizes "
            + Arrays.toString(b.patchSizes) + ", strides " + Arrays.toString(b.strides));
      }
    }
    if (stages == 0) {
      throw new DelineoException(b.prefix + ": needs at least one stage, found none");
    }
    requirePositive(b.prefix, "embed_dims", b.embedDims);
    requirePositive(b.prefix, "num_layers", b.numLayers);
    requirePositive(b.prefix, "num_heads", b.numHeads);
    requirePositive(b.prefix, "sr_ratios", b.srRatios);
    requirePositive(b.prefix, "patch_sizes", b.patchSizes);
    requirePositive(b.prefix, "strides", b.strides);
    if (b.mlpRatio < 1) {
      throw new DelineoException(b.prefix + ": mlp_ratio must be positive, found " + b.mlpRatio);
    }
    this.embedDims = b.embedDims.clone();
    this.strides = b.strides.clone();
    float[] rates = DropPath.linearRates(b.dropPathRate, Arrays.stream(b.numLayers).sum());
    int block = 0;
    for (int i = 0; i < stages; i++) {
      String stage = child("layers." + i);
      patchEmbeds.add(new OverlapPatchEmbed(stage + ".0", embedDims[i], b.patchSizes[i], b.strides[i],
          LAYER_NORM_EPS));
      List<MitBlock> stageBlocks = new ArrayList<>();
      for (int j = 0; j < b.numLayers[i]; j++) {
        stageBlocks.add(new MitBlock(stage + ".1." + j, embedDims[i], b.numHeads[i], b.srRatios[i], b.mlpRatio,
            rates[block++], LAYER_NORM_EPS));
      }
      blocks.add(stageBlocks);
      norms.add(new LayerNorm(stage + ".2", LAYER_NORM_EPS));
    }
  }

  /** A builder with MiT-B3's settings. */
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
   * Builds the backbone on an NHWC image with a static channel count.
   *
   * @return one map per stage, finest first: [N, H/4, W/4, C0], ..., [N, H/32, W/32, C3] for the
   *     default strides (sizes rounded up at each stride)
   */
  public List<Operand<TFloat32>> apply(GraphContext ctx, Operand<TFloat32> image) {
    List<Operand<TFloat32>> outs = new ArrayList<>();
    Operand<TFloat32> x = image;
    for (int i = 0; i < patchEmbeds.size(); i++) {
      x = patchEmbeds.get(i).apply(ctx, x);
      for (MitBlock block : blocks.get(i)) {
        x = block.apply(ctx, x);
      }
      x = norms.get(i).apply(ctx, x);
      outs.add(x);
    }
    return outs;
  }

  /** Channels of the stage outputs, finest first. */
  public int[] embedDims() {
    return embedDims.clone();
  }

  /** The stages' contract: {@link #embedDims} at the running products of the patch strides (4, 8, 16, 32). */
  public FeatureLevels featureLevels() {
    List<Integer> cumulative = new ArrayList<>();
    int stride = 1;
    for (int s : strides) {
      stride *= s;
      cumulative.add(stride);
    }
    return new FeatureLevels(Arrays.stream(embedDims).boxed().toList(), cumulative);
  }

  /** Configures a {@link MixTransformer}; defaults are MiT-B3 (mmseg {@code segformer_mit-b3}). */
  public static final class Builder {
    private final String prefix;
    private int[] embedDims = {64, 128, 320, 512};
    private int[] numLayers = {3, 4, 18, 3};
    private int[] numHeads = {1, 2, 5, 8};
    private int[] srRatios = {8, 4, 2, 1};
    private int[] patchSizes = {7, 3, 3, 3};
    private int[] strides = {4, 2, 2, 2};
    private int mlpRatio = 4;
    private float dropPathRate = 0.1f;

    private Builder(String prefix) {
      this.prefix = prefix;
    }

    /**
     * Width of each stage (mmseg's {@code embed_dims · num_heads[i]}; B3: 64, 128, 320, 512); a
     * multiple of the stage's head count.
     */
    public Builder embedDims(int... values) {
      this.embedDims = values.clone();
      return this;
    }

    /** Encoder layers per stage (B3: 3, 4, 18, 3). */
    public Builder numLayers(int... values) {
      this.numLayers = values.clone();
      return this;
    }

    /** Attention heads per stage (1, 2, 5, 8). */
    public Builder numHeads(int... values) {
      this.numHeads = values.clone();
      return this;
    }

    /** Key/value spatial-reduction ratio per stage (8, 4, 2, 1; 1 = no reduction). */
    public Builder srRatios(int... values) {
      this.srRatios = values.clone();
      return this;
    }

    /** Kernel size of each stage's patch embedding (7, 3, 3, 3). */
    public Builder patchSizes(int... values) {
      this.patchSizes = values.clone();
      return this;
    }

    /** Stride of each stage's patch embedding (4, 2, 2, 2). */
    public Builder strides(int... values) {
      this.strides = values.clone();
      return this;
    }

    /** Mix-FFN hidden width as a multiple of the stage width (4). */
    public Builder mlpRatio(int value) {
      this.mlpRatio = value;
      return this;
    }

    /** Stochastic-depth rate of the last block, in [0, 1) (0.1). */
    public Builder dropPathRate(float value) {
      this.dropPathRate = value;
      return this;
    }

    public MixTransformer build() {
      return new MixTransformer(this);
    }
  }
}
