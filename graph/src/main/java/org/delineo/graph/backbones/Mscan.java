package org.delineo.graph.backbones;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.layers.DropPath;
import org.delineo.graph.layers.LayerNorm;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * SegNeXt's backbone, mmseg 1.2.2's {@code MSCAN} (multi-scale convolutional attention network),
 * returning the NHWC output of each stage at strides 4, 8, 16 and 32.
 *
 * <p>Stage i (from 1): a patch embedding {@code patch_embed<i>} (stage 1: the {@link MscanStem},
 * two 3 × 3 / 2 convs; later stages: {@link MscanPatchEmbed}, one 3 × 3 / 2 conv + BN), then
 * {@code depths[i]} {@link MscaBlock}s {@code block<i>.<j>}, then a layer norm over the channels
 * {@code norm<i>} (PyTorch {@code nn.LayerNorm}, eps 1e-5). Batch norms use PyTorch's eps 1e-5 and
 * momentum 0.1 (the configs' {@code norm_cfg=dict(type='BN')}); GELU is the exact erf form. The
 * stochastic-depth rates rise linearly from 0 over all blocks ({@code torch.linspace(0,
 * drop_path_rate, sum(depths))}).
 *
 * <p>Variables carry mmseg's state-dict keys under the prefix, e.g.
 * {@code backbone.patch_embed1.proj.0.weight}, {@code backbone.block1.0.attn.spatial_gating_unit.conv0_1.weight},
 * {@code backbone.block1.0.layer_scale_1}, {@code backbone.norm1.weight}.
 *
 * <pre>{@code
 * Mscan b = Mscan.builder("backbone").build();          // MSCAN-B: 26,277,824 parameters
 * Mscan tiny = Mscan.builder("backbone").embedDims(8, 16, 32, 32).depths(1, 1, 1, 1).build();
 * }</pre>
 */
public final class Mscan extends Module {
  private final int[] embedDims;
  private final int[] depths;
  private final int[] mlpRatios;
  private final float dropPathRate;
  private final int squareKernel;
  private final int[] stripLengths;

  private Mscan(Builder b) {
    super(b.prefix);
    this.embedDims = b.embedDims.clone();
    this.depths = b.depths.clone();
    this.mlpRatios = b.mlpRatios.clone();
    this.dropPathRate = b.dropPathRate;
    this.squareKernel = b.squareKernel;
    this.stripLengths = b.stripLengths.clone();
    validate();
  }

  /** A builder preset to MSCAN-B (mmseg {@code segnext_mscan-b}); variables live under {@code prefix}. */
  public static Builder builder(String prefix) {
    return new Builder(prefix);
  }

  /**
   * Builds the backbone on an NHWC image and returns each stage's output, finest first.
   *
   * @throws ShapeMismatchException if the image is not rank 4 with a static channel count
   */
  public List<Operand<TFloat32>> apply(GraphContext ctx, Operand<TFloat32> image) {
    if (image.shape().numDimensions() != 4 || image.shape().get(3) < 0) {
      throw new ShapeMismatchException(
          name() + ": expected an NHWC image [N, H, W, C] with a static C, found shape " + image.shape());
    }
    List<Operand<TFloat32>> outs = new ArrayList<>();
    Operand<TFloat32> x = image;
    int block = 0;
    float[] rates = DropPath.linearRates(dropPathRate, Arrays.stream(depths).sum());
    for (int stage = 0; stage < embedDims.length; stage++) {
      String s = String.valueOf(stage + 1);
      Layer embed = stage == 0
          ? new MscanStem(child("patch_embed1"), embedDims[0])
          : new MscanPatchEmbed(child("patch_embed" + s), embedDims[stage]);
      x = embed.apply(ctx, x);
      for (int j = 0; j < depths[stage]; j++) {
        x = new MscaBlock(child("block" + s + "." + j), embedDims[stage], mlpRatios[stage],
            rates[block++], squareKernel, stripLengths).apply(ctx, x);
      }
      x = new LayerNorm(child("norm" + s)).apply(ctx, x);
      outs.add(x);
    }
    return Collections.unmodifiableList(outs);
  }

  /** The stages' contract: {@code embed_dims} channels at strides 4, 8, 16, 32 (4 · 2^i). */
  public FeatureLevels featureLevels() {
    List<Integer> strides = new ArrayList<>();
    for (int i = 0; i < embedDims.length; i++) {
      strides.add(4 << i);
    }
    return new FeatureLevels(Arrays.stream(embedDims).boxed().toList(), strides);
  }

  private void validate() {
    int n = embedDims.length;
    if (n < 1 || depths.length != n || mlpRatios.length != n) {
      throw new DelineoException(name() + ": expected one embed dim, depth and MLP ratio per stage (at least one"
          + " stage), found " + Arrays.toString(embedDims) + ", " + Arrays.toString(depths) + " and "
          + Arrays.toString(mlpRatios));
    }
    for (int i = 0; i < n; i++) {
      if (embedDims[i] < 1 || depths[i] < 1 || mlpRatios[i] < 1) {
        throw new DelineoException(name() + ": stage " + (i + 1) + " needs a positive embed dim, depth and MLP"
            + " ratio, found " + embedDims[i] + ", " + depths[i] + ", " + mlpRatios[i]);
      }
    }
    if (embedDims[0] % 2 != 0) {
      throw new DelineoException(name() + ": the first embed dim must be even (the stem's first conv has half"
          + " of it), found " + embedDims[0]);
    }
    if (!(dropPathRate >= 0f && dropPathRate < 1f)) {
      throw new DelineoException(name() + ": drop_path_rate must lie in [0, 1), found " + dropPathRate);
    }
    for (int k : concat(squareKernel, stripLengths)) {
      if (k < 1 || k % 2 == 0) {
        throw new DelineoException(name() + ": attention kernel sizes must be odd and positive (padding k // 2"
            + " keeps the size), found " + squareKernel + " and strips " + Arrays.toString(stripLengths));
      }
    }
  }

  private static int[] concat(int first, int[] rest) {
    int[] out = new int[rest.length + 1];
    out[0] = first;
    System.arraycopy(rest, 0, out, 1, rest.length);
    return out;
  }

  /** Readable configuration of an {@link Mscan}; defaults are MSCAN-B. */
  public static final class Builder {
    private final String prefix;
    private int[] embedDims = {64, 128, 320, 512};
    private int[] depths = {3, 3, 12, 3};
    private int[] mlpRatios = {8, 8, 4, 4};
    private float dropPathRate = 0.1f;
    private int squareKernel = 5;
    private int[] stripLengths = {7, 11, 21};

    private Builder(String prefix) {
      this.prefix = prefix;
    }

    /** Width of each stage; default (64, 128, 320, 512). */
    public Builder embedDims(int... values) {
      this.embedDims = values.clone();
      return this;
    }

    /** Blocks per stage; default (3, 3, 12, 3). */
    public Builder depths(int... values) {
      this.depths = values.clone();
      return this;
    }

    /** MLP hidden width over the stage width, per stage; default (8, 8, 4, 4). */
    public Builder mlpRatios(int... values) {
      this.mlpRatios = values.clone();
      return this;
    }

    /** Stochastic-depth rate of the last block (linear from 0); default 0.1. */
    public Builder dropPathRate(float value) {
      this.dropPathRate = value;
      return this;
    }

    /**
     * The attention's depthwise kernels: {@code square} × {@code square} ({@code conv0}) and one
     * pair of 1 × s / s × 1 strips per length; default 5 and (7, 11, 21). Paddings are k // 2, as
     * mmseg's defaults (2, (0, 3), (0, 5), (0, 10)).
     */
    public Builder attentionKernels(int square, int... strips) {
      this.squareKernel = square;
      this.stripLengths = strips.clone();
      return this;
    }

    public Mscan build() {
      return new Mscan(this);
    }
  }
}
