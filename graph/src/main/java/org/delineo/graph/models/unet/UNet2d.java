package org.delineo.graph.models.unet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.init.Initializers;
import org.delineo.graph.layers.Conv2d;
import org.delineo.graph.layers.PoolPadding;
import org.delineo.graph.layers.Pooling;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.delineo.graph.model.SegmentationModel;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * The 2-D UNet of UniMatch's medical setup ({@code LiheYoung/UniMatch
 * more-scenarios/medical/model/unet.py}; reference-methods.md §5.2), on NHWC input.
 *
 * <p>Encoder: {@code in_conv} {@link ConvBlock} then, per further level, MaxPool 2×2 and a
 * ConvBlock ({@code down1..down4}); default channels [16, 32, 64, 128, 256] with dropout
 * [0.05, 0.1, 0.2, 0.3, 0.5] between the two convs of each encoder block. Decoder: per level, an
 * {@link UpBlock} ({@code up1..up4}: upsample to the skip's channels, concatenate, ConvBlock
 * without dropout), then {@code out_conv}, a 3×3 conv to the classes. Logits come out at the input
 * resolution. Variable names are the PyTorch state-dict keys, e.g.
 * {@code encoder.in_conv.conv_conv.0.weight}, {@code encoder.down1.maxpool_conv.1.conv_conv.1.running_mean},
 * {@code decoder.up1.conv1x1.weight}, {@code decoder.out_conv.bias} (kernels HWIO), optionally
 * under a prefix.
 *
 * <p>The default upsampling is {@link UpsampleMode#BILINEAR}, what UniMatch really runs (1.81 M
 * parameters for 1 input channel and 4 classes); {@link UpsampleMode#TRANSPOSED} is the
 * ConvTranspose2d variant its config names but never builds. H and W must be divisible by
 * 2^(levels − 1) (16 by default); they may be unknown (−1), e.g. for a serving signature, and are
 * then not checked before the graph runs.
 *
 * <pre>{@code
 * UNet2d unet = UNet2d.builder(4).build();                 // ACDC: 4 classes
 * ModelOutputs out = unet.apply(ctx, ModelInputs.of(image)); // image [N, 256, 256, 1]
 * Operand<TFloat32> logits = out.logits();                   // [N, 256, 256, 4]
 * }</pre>
 *
 * <p>Features: {@code encoder.0} … {@code encoder.4} (the encoder maps, finest first) and
 * {@code decoder} (the last decoder map, before {@code out_conv}).
 */
public final class UNet2d implements SegmentationModel {
  /** The registry name. */
  public static final String NAME = "unet";

  private final int numClasses;
  private final int[] channels;
  private final float[] dropout;
  private final List<ConvBlock> encoderBlocks = new ArrayList<>();
  private final List<UpBlock> upBlocks = new ArrayList<>();
  private final Conv2d outConv;

  private UNet2d(Builder b) {
    this.numClasses = b.numClasses;
    this.channels = b.channels.clone();
    this.dropout = b.dropout.clone();
    String prefix = b.prefix.isEmpty() ? "" : b.prefix + ".";
    encoderBlocks.add(new ConvBlock(prefix + "encoder.in_conv", channels[0], dropout[0], b.leakySlope));
    for (int i = 1; i < channels.length; i++) {
      // nn.Sequential(MaxPool2d(2), ConvBlock): the block is index 1.
      encoderBlocks.add(new ConvBlock(
          prefix + "encoder.down" + i + ".maxpool_conv.1", channels[i], dropout[i], b.leakySlope));
    }
    for (int i = 1; i < channels.length; i++) {
      int skip = channels[channels.length - 1 - i];
      upBlocks.add(new UpBlock(prefix + "decoder.up" + i, skip, skip, b.upsample, b.leakySlope));
    }
    this.outConv = Conv2d.builder(prefix + "decoder.out_conv", numClasses).kernel(3)
        .init(Initializers.heNormal()).build();
  }

  /** A builder with UniMatch's defaults for {@code numClasses} output classes. */
  public static Builder builder(int numClasses) {
    return new Builder(numClasses);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int numClasses() {
    return numClasses;
  }

  /** Feature channels per level, finest first. */
  public int[] channels() {
    return channels.clone();
  }

  /** The divisor H and W must have: 2 to the number of poolings. */
  @Override
  public int sizeDivisor() {
    return 1 << (channels.length - 1);
  }

  /** Encoder then decoder; the modality mask, if any, is not used. */
  @Override
  public ModelOutputs apply(GraphContext ctx, ModelInputs inputs) {
    return decode(ctx, encode(ctx, inputs.image()));
  }

  /**
   * The encoder maps, finest first: level i has {@code channels[i]} channels at 1/2^i of the input
   * size.
   *
   * @throws ShapeMismatchException if the image is not rank 4 or a static H or W is not divisible
   *     by {@link #sizeDivisor()}
   */
  public List<Operand<TFloat32>> encode(GraphContext ctx, Operand<TFloat32> image) {
    checkInput(image);
    List<Operand<TFloat32>> features = new ArrayList<>();
    Operand<TFloat32> x = encoderBlocks.get(0).apply(ctx, image);
    features.add(x);
    for (int i = 1; i < encoderBlocks.size(); i++) {
      x = Pooling.maxPool2d(ctx.tf(), x, 2, 2, PoolPadding.VALID);
      x = encoderBlocks.get(i).apply(ctx, x);
      features.add(x);
    }
    return features;
  }

  /**
   * The decoder on encoder maps (as {@link #encode} returns them, or perturbed copies of them, as in
   * UniMatch's feature perturbation): logits plus the features {@code encoder.i} and
   * {@code decoder}.
   */
  public ModelOutputs decode(GraphContext ctx, List<Operand<TFloat32>> encoderFeatures) {
    if (encoderFeatures.size() != channels.length) {
      throw new DelineoException(
          "unet decoder: expected " + channels.length + " encoder maps, found "
              + encoderFeatures.size());
    }
    int last = channels.length - 1;
    Operand<TFloat32> x = encoderFeatures.get(last);
    for (int i = 0; i < upBlocks.size(); i++) {
      x = upBlocks.get(i).apply(ctx, x, encoderFeatures.get(last - 1 - i));
    }
    Operand<TFloat32> logits = outConv.apply(ctx, x);
    Map<String, Operand<TFloat32>> features = new LinkedHashMap<>();
    for (int i = 0; i < encoderFeatures.size(); i++) {
      features.put("encoder." + i, encoderFeatures.get(i));
    }
    features.put("decoder", x);
    return new ModelOutputs(logits, Map.of(), List.of(), features);
  }

  private void checkInput(Operand<TFloat32> image) {
    Shape s = image.shape();
    if (s.isUnknown() || s.numDimensions() != 4) {
      throw new ShapeMismatchException(
          "unet input: expected rank 4 [N, H, W, C], found shape " + s);
    }
    int divisor = sizeDivisor();
    for (int axis = 1; axis <= 2; axis++) {
      long size = s.get(axis);
      if (size >= 0 && size % divisor != 0) {
        throw new ShapeMismatchException(
            "unet input: H and W must be divisible by " + divisor + " (" + (channels.length - 1)
                + " poolings), found shape " + s);
      }
    }
  }

  /** Readable construction of a {@link UNet2d}; every setting but the class count has a default. */
  public static final class Builder {
    private final int numClasses;
    private int[] channels = {16, 32, 64, 128, 256};
    private float[] dropout = {0.05f, 0.1f, 0.2f, 0.3f, 0.5f};
    private float leakySlope = 0.01f;
    private UpsampleMode upsample = UpsampleMode.BILINEAR;
    private String prefix = "";

    private Builder(int numClasses) {
      this.numClasses = numClasses;
    }

    /** Feature channels per level, finest first (at least 2 levels). */
    public Builder channels(int... values) {
      this.channels = values.clone();
      return this;
    }

    /** Encoder dropout per level, one value per channel entry, each in [0, 1). */
    public Builder encoderDropout(float... values) {
      this.dropout = values.clone();
      return this;
    }

    /** Negative slope of every LeakyReLU (default 0.01, PyTorch's). */
    public Builder leakySlope(float value) {
      this.leakySlope = value;
      return this;
    }

    /** Upsampling in the decoder (default BILINEAR, what UniMatch runs). */
    public Builder upsample(UpsampleMode value) {
      this.upsample = value;
      return this;
    }

    /** A dotted prefix for every variable name, e.g. "student" (default none). */
    public Builder prefix(String value) {
      this.prefix = value == null ? "" : value;
      return this;
    }

    /** @throws DelineoException on an invalid setting, naming it */
    public UNet2d build() {
      if (numClasses < 1) {
        throw new DelineoException("unet numClasses must be positive, found " + numClasses);
      }
      if (channels.length < 2) {
        throw new DelineoException(
            "unet channels need at least 2 levels, found " + Arrays.toString(channels));
      }
      for (int c : channels) {
        if (c <= 0) {
          throw new DelineoException(
              "unet channels must be positive, found " + Arrays.toString(channels));
        }
      }
      if (dropout.length != channels.length) {
        throw new DelineoException(
            "unet encoderDropout needs one rate per level (" + channels.length + "), found "
                + Arrays.toString(dropout));
      }
      if (!Float.isFinite(leakySlope)) {
        throw new DelineoException("unet leakySlope must be finite, found " + leakySlope);
      }
      if (upsample == null) {
        throw new DelineoException("unet upsample mode missing; valid: "
            + Arrays.toString(UpsampleMode.values()));
      }
      return new UNet2d(this);
    }
  }
}
