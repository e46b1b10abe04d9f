package org.delineo.graph.heads;

import java.util.ArrayList;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.VariableKind;
import org.delineo.graph.init.Initializers;
import org.delineo.graph.layers.Conv2d;
import org.delineo.graph.layers.MapSize;
import org.delineo.graph.layers.ResizeMode;
import org.delineo.graph.layers.SinePositionalEncoding;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.SplitV;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Mask2Former's pixel decoder, mmdet 3.x {@code MSDeformAttnPixelDecoder}
 * ({@code mmdet/models/layers/msdeformattn_pixel_decoder.py}): the lowest-resolution backbone levels
 * go through a multi-scale deformable-attention encoder, the remaining ones are fused FPN-style, and
 * a 1 × 1 conv makes the per-pixel mask features.
 *
 * <pre>
 *   for i in 0..L−1 (level k = last − i: the lowest resolution first)
 *     x_i   = input_convs.i(feats[k])             1 × 1 conv with bias + GN, no activation
 *     pos_i = sine code (C/2 per axis, normalised) + level_encoding.weight[i]
 *   memory = encoder(tokens of x_0..x_{L−1}, pos, reference points at the pixel centres)
 *   outs   = memory split back into the L maps (low to high resolution)
 *   for i = first non-encoder level down to 0
 *     y = lateral_convs.i(feats[i]) + bilinear(outs.last, feats[i]'s size, align_corners=False)
 *     outs.append(output_convs.i(y))              3 × 3 conv without bias + GN + ReLU
 *   mask features = mask_feature(outs.last)      1 × 1 conv with bias
 * </pre>
 *
 * <p>Variables are named as mmdet's state dict under this module's name (mmseg:
 * {@code decode_head.pixel_decoder}): {@code input_convs.<i>.conv.weight|bias},
 * {@code input_convs.<i>.gn.weight|bias}, {@code encoder.layers.<k>.self_attn.sampling_offsets|
 * attention_weights|value_proj|output_proj.weight|bias}, {@code encoder.layers.<k>.ffn.layers.0.0|
 * layers.1.weight|bias}, {@code encoder.layers.<k>.norms.0|1.weight|bias},
 * {@code level_encoding.weight} [L, C], {@code lateral_convs.<i>.conv.weight} (no bias),
 * {@code lateral_convs.<i>.gn}, {@code output_convs.<i>.conv.weight} (no bias),
 * {@code output_convs.<i>.gn}, {@code mask_feature.weight|bias}. Initial values follow
 * {@code init_weights}: input convs Xavier-uniform (bias 0), lateral/output convs and mask_feature
 * caffe2-Xavier (bias 0), level encoding N(0, 1), the encoder as {@link DeformableEncoderLayer} says.
 *
 * <p>Batch and spatial sizes may be unknown until the step runs; no padding masks are needed (mmdet
 * builds all-false ones). With Mask2Former Swin-B's settings (inputs 128, 256, 512, 1024 channels at
 * strides 4–32; C = 256, 3 levels, 6 layers, 8 heads, 4 points, FFN 1024, GN 32) it has 5,544,384
 * parameters, mmdet's count.
 */
public final class MsDeformAttnPixelDecoder extends Module {
  private final int channels;
  private final int outChannels;
  private final int encoderLevels;
  private final int numOuts;
  private final int groups;
  private final List<DeformableEncoderLayer> layers = new ArrayList<>();
  private final SinePositionalEncoding positions;

  /**
   * The decoder's outputs.
   *
   * @param maskFeatures [N, H₀, W₀, outChannels], at the first (highest-resolution) input's size
   * @param multiScaleFeatures the first {@code numOuts} maps of mmdet's {@code outs}, each
   *     [N, H, W, C], from the lowest resolution up (the encoder's levels: strides 32, 16, 8 for
   *     Mask2Former): what the transformer decoder's cross-attention reads, level i in layer i mod 3
   */
  public record Output(Operand<TFloat32> maskFeatures, List<Operand<TFloat32>> multiScaleFeatures) {}

  private MsDeformAttnPixelDecoder(Builder b) {
    super(b.name);
    this.channels = b.channels;
    this.outChannels = b.outChannels;
    this.encoderLevels = b.encoderLevels;
    this.numOuts = b.numOuts;
    this.groups = b.groups;
    for (int k = 0; k < b.encoderLayers; k++) {
      layers.add(new DeformableEncoderLayer(child("encoder.layers." + k), b.channels, b.heads, b.encoderLevels,
          b.points, b.ffnChannels));
    }
    this.positions = new SinePositionalEncoding(b.channels / 2);
  }

  /** A decoder with Mask2Former's settings (see {@link Builder}); {@code name} is its module path. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /**
   * @param features the backbone's maps [N, H_k, W_k, C_k] from the highest resolution (stride 4)
   *     to the lowest, static C_k; at least as many as the encoder has levels
   * @return the mask features and the multi-scale features
   * @throws DelineoException when there are too few levels or a level is not NHWC with static channels
   */
  public Output apply(GraphContext ctx, List<Operand<TFloat32>> features) {
    checkFeatures(features);
    Ops tf = ctx.tf();
    int count = features.size();
    Operand<TFloat32> levelEncoding = ctx.variables().variable(child("level_encoding.weight"),
        Shape.of(encoderLevels, channels), Initializers.normal(1f), VariableKind.EMBEDDING);
    List<MapSize> sizes = new ArrayList<>(encoderLevels);
    List<Operand<TFloat32>> tokens = new ArrayList<>(encoderLevels);
    List<Operand<TFloat32>> codes = new ArrayList<>(encoderLevels);
    for (int i = 0; i < encoderLevels; i++) {
      Operand<TFloat32> projected = ConvModule.groupNorm(child("input_convs." + i), channels, 1, groups, true,
          Initializers.xavierUniform(), false).apply(ctx, features.get(count - 1 - i));
      MapSize size = MapSize.of(tf, projected);
      Operand<TFloat32> levelRow = tf.gather(levelEncoding, tf.constant(i), tf.constant(0)); // [C]
      Operand<TFloat32> code = tf.math.add(positions.apply(ctx, projected), levelRow);
      sizes.add(size);
      tokens.add(flatten(tf, projected, size));
      codes.add(flatten(tf, code, size));
    }
    Operand<TFloat32> memory = tf.concat(tokens, tf.constant(1));
    Operand<TFloat32> pos = tf.concat(codes, tf.constant(1));
    Operand<TFloat32> reference = EncoderReferencePoints.of(tf, sizes);
    for (DeformableEncoderLayer layer : layers) {
      memory = layer.apply(ctx, memory, pos, reference, sizes);
    }
    List<Operand<TFloat32>> outs = unflatten(tf, memory, sizes);
    for (int i = count - encoderLevels - 1; i >= 0; i--) {
      Operand<TFloat32> lateral = ConvModule.groupNorm(child("lateral_convs." + i), channels, 1, groups, false,
          HeadInits.caffe2Xavier(), false).apply(ctx, features.get(i));
      Operand<TFloat32> up = HeadOps.resizeLike(tf, outs.get(outs.size() - 1), lateral, ResizeMode.HALF_PIXEL);
      outs.add(ConvModule.groupNorm(child("output_convs." + i), channels, 3, groups, false,
          HeadInits.caffe2Xavier(), true).apply(ctx, tf.math.add(lateral, up)));
    }
    Operand<TFloat32> mask = Conv2d.builder(child("mask_feature"), outChannels).kernel(1)
        .init(HeadInits.caffe2Xavier()).build().apply(ctx, outs.get(outs.size() - 1));
    return new Output(mask, List.copyOf(outs.subList(0, Math.min(numOuts, outs.size()))));
  }

  /** [N, H, W, C] → [N, H·W, C], row-major tokens; the token count stays static when H and W are. */
  private Operand<TFloat32> flatten(Ops tf, Operand<TFloat32> map, MapSize size) {
    if (size.isKnown()) {
      return tf.reshape(map, tf.constant(new int[] {-1, Math.toIntExact(size.knownArea()), channels}));
    }
    return tf.reshape(map, tf.concat(List.of(batch(tf, map), tf.constant(new int[] {-1, channels})), tf.constant(0)));
  }

  /** The encoder's tokens split back into the levels' maps [N, H_l, W_l, C]. */
  private List<Operand<TFloat32>> unflatten(Ops tf, Operand<TFloat32> memory, List<MapSize> sizes) {
    List<Operand<TFloat32>> pieces = new ArrayList<>(sizes.size());
    SplitV<TFloat32> split = tf.splitV(memory, areas(tf, sizes), tf.constant(1), (long) sizes.size());
    for (int l = 0; l < sizes.size(); l++) {
      MapSize size = sizes.get(l);
      Operand<TFloat32> piece = split.output().get(l);
      Operand<TInt32> target = size.isKnown()
          ? tf.constant(new int[] {-1, size.knownHeight(), size.knownWidth(), channels})
          : tf.concat(List.of(batch(tf, piece), tf.stack(List.of(size.height(), size.width())),
              tf.constant(new int[] {channels})), tf.constant(0));
      pieces.add(tf.reshape(piece, target));
    }
    return pieces;
  }

  /** H_l·W_l per level: a constant vector when every size is known, so the split keeps static shapes. */
  private static Operand<TInt32> areas(Ops tf, List<MapSize> sizes) {
    if (MapSize.knownTotalArea(sizes) >= 0) {
      int[] areas = new int[sizes.size()];
      for (int l = 0; l < areas.length; l++) {
        areas[l] = Math.toIntExact(sizes.get(l).knownArea());
      }
      return tf.constant(areas);
    }
    List<Operand<TInt32>> areas = new ArrayList<>(sizes.size());
    for (MapSize size : sizes) {
      areas.add(size.area(tf));
    }
    return tf.stack(areas);
  }

  /** N of {@code x} as a 1-element vector. */
  private static Operand<TInt32> batch(Ops tf, Operand<TFloat32> x) {
    return tf.slice(tf.shape(x), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
  }

  private void checkFeatures(List<Operand<TFloat32>> features) {
    if (features == null || features.size() < encoderLevels) {
      throw new DelineoException(name() + ": needs at least " + encoderLevels + " feature levels, found "
          + (features == null ? 0 : features.size()));
    }
    for (int k = 0; k < features.size(); k++) {
      Shape s = features.get(k).shape();
      if (s.isUnknown() || s.numDimensions() != 4 || s.get(3) < 1) {
        throw new ShapeMismatchException(name() + ": feature level " + k
            + " must be NHWC [N, H, W, C] with a static C, found " + s);
      }
    }
  }

  /** Settings of a {@link MsDeformAttnPixelDecoder}; the defaults are Mask2Former's (mmseg configs). */
  public static final class Builder {
    private final String name;
    private int channels = 256;
    private int outChannels = 256;
    private int encoderLevels = 3;
    private int encoderLayers = 6;
    private int heads = 8;
    private int points = 4;
    private int ffnChannels = 1024;
    private int groups = 32;
    private int numOuts = 3;

    private Builder(String name) {
      this.name = name;
    }

    /** {@code feat_channels}: the encoder's width C (even; the sine code has C/2 per axis). Default 256. */
    public Builder channels(int value) {
      this.channels = value;
      return this;
    }

    /** {@code out_channels} of the mask features. Default 256. */
    public Builder outChannels(int value) {
      this.outChannels = value;
      return this;
    }

    /** The encoder's levels ({@code num_levels}), the last ones of the inputs. Default 3. */
    public Builder encoderLevels(int value) {
      this.encoderLevels = value;
      return this;
    }

    /** Encoder layers ({@code num_layers}). Default 6. */
    public Builder encoderLayers(int value) {
      this.encoderLayers = value;
      return this;
    }

    /** Attention heads. Default 8. */
    public Builder heads(int value) {
      this.heads = value;
      return this;
    }

    /** Sampling points per head and level. Default 4. */
    public Builder points(int value) {
      this.points = value;
      return this;
    }

    /** The encoder FFN's hidden width ({@code feedforward_channels}). Default 1024. */
    public Builder ffnChannels(int value) {
      this.ffnChannels = value;
      return this;
    }

    /** GroupNorm groups of every ConvModule. Default 32. */
    public Builder groups(int value) {
      this.groups = value;
      return this;
    }

    /** How many of mmdet's {@code outs} are returned as multi-scale features ({@code num_outs}). Default 3. */
    public Builder numOuts(int value) {
      this.numOuts = value;
      return this;
    }

    /**
     * @throws DelineoException on a setting out of range, naming it
     */
    public MsDeformAttnPixelDecoder build() {
      positive("channels", channels);
      positive("outChannels", outChannels);
      positive("encoderLevels", encoderLevels);
      positive("encoderLayers", encoderLayers);
      positive("heads", heads);
      positive("points", points);
      positive("ffnChannels", ffnChannels);
      positive("groups", groups);
      positive("numOuts", numOuts);
      if (channels % 2 != 0 || channels % heads != 0 || channels % groups != 0) {
        throw new DelineoException(name + ": channels must be even and a multiple of heads (" + heads
            + ") and groups (" + groups + "), found " + channels);
      }
      return new MsDeformAttnPixelDecoder(this);
    }

    private void positive(String field, int value) {
      if (value < 1) {
        throw new DelineoException(name + ": " + field + " must be positive, found " + value);
      }
    }
  }
}
