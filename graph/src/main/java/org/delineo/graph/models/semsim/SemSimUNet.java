package org.delineo.graph.models.semsim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.layers.Conv2d;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.graph.models.unet.UNet2d;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * SemSim's network ({@code semsim_unet}; reference-methods.md §5.3–5.4): UniMatch's 2-D
 * {@link UNet2d} for the logits plus the {@link SpatialFusionModule} on encoder stages (0-based
 * [1, 2, 3] by default, the paper's stages 2, 3, 4), whose 128-channel output f̃ feeds the
 * intra-image affinity and cross-image prototype losses.
 *
 * <p>The fusion module exists only for training: {@link #apply} adds the feature
 * {@value #FEATURE} only in a TRAIN context, and in EVAL / PREDICT builds the encoder and decoder
 * alone, creating and running no fusion variable (inference is encoder + decoder, as in the paper).
 * With the module disabled (the {@code no-sfm} ablation) {@value #FEATURE} is the finest fused
 * stage projected to D channels by the 1×1 conv {@code sfm.proj.0}, so the similarity losses still
 * get a D-channel map at the same resolution. Strategies that need f̃ of a view built in another
 * mode call {@link #encode} and {@link #fusedFeature} themselves.
 *
 * <p>Variable names are the UNet's ({@code encoder.*}, {@code decoder.*}) plus {@code sfm.*}.
 * Features: the UNet's {@code encoder.i} and {@code decoder}, and in TRAIN {@value #FEATURE}
 * [N, H/2^s, W/2^s, D] with s the first fused stage (H/2 by default).
 *
 * <pre>{@code
 * SemSimUNet net = SemSimUNet.builder(4).build();             // ACDC, paper defaults
 * ModelOutputs out = net.apply(trainCtx, ModelInputs.of(x)); // x [N, 224, 224, 1]
 * Operand<TFloat32> f = out.features().get(SemSimUNet.FEATURE); // [N, 112, 112, 128]
 * }</pre>
 */
public final class SemSimUNet implements SegmentationModel {
  /** The registry name. */
  public static final String NAME = "semsim_unet";
  /** Feature key of the fused (or, with the module disabled, projected) map f̃. */
  public static final String FEATURE = "sfm";

  private final UNet2d unet;
  private final int[] stages;
  private final boolean fusionEnabled;
  private final SpatialFusionModule fusion;
  private final Conv2d projection;

  private SemSimUNet(Builder b) {
    this.unet = UNet2d.builder(b.numClasses).channels(b.channels).encoderDropout(b.dropout)
        .leakySlope(b.leakySlope).build();
    this.stages = b.stages.clone();
    this.fusionEnabled = b.fusionEnabled;
    this.fusion = new SpatialFusionModule("sfm", stages.length, b.dim, b.windows, b.heads, b.mlpRatio);
    // Same name as the module's own first projection: the ablation keeps comparable variables.
    this.projection = Conv2d.builder("sfm.proj.0", b.dim).kernel(1).build();
  }

  /** A builder with the paper's defaults for {@code numClasses} output classes. */
  public static Builder builder(int numClasses) {
    return new Builder(numClasses);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int numClasses() {
    return unet.numClasses();
  }

  /**
   * The UNet's divisor (16 by default): inference never builds the fusion module. Training inputs
   * must further have every fused stage divisible by the window count.
   */
  @Override
  public int sizeDivisor() {
    return unet.sizeDivisor();
  }

  /** The encoder stages fused, 0-based, finest first. */
  public int[] stages() {
    return stages.clone();
  }

  /** Whether the fusion module is built (false: the {@code no-sfm} projection). */
  public boolean fusionEnabled() {
    return fusionEnabled;
  }

  /** Logits and UNet features; in TRAIN also {@value #FEATURE}. */
  @Override
  public ModelOutputs apply(GraphContext ctx, ModelInputs inputs) {
    List<Operand<TFloat32>> encoded = encode(ctx, inputs.image());
    ModelOutputs out = unet.decode(ctx, encoded);
    if (!ctx.training()) {
      return out;
    }
    return withFeature(out, fusedFeature(ctx, encoded));
  }

  /** The UNet encoder maps, finest first. */
  public List<Operand<TFloat32>> encode(GraphContext ctx, Operand<TFloat32> image) {
    return unet.encode(ctx, image);
  }

  /**
   * The UNet decoder on encoder maps; the semsim strategy also feeds it channel-dropped copies of
   * the weak view's maps (its feature perturbation, built there).
   */
  public ModelOutputs decode(GraphContext ctx, List<Operand<TFloat32>> encoded) {
    return unet.decode(ctx, encoded);
  }

  /**
   * f̃ of the encoder maps in any mode: the fusion module on the configured stages, or the
   * projection of the first one when the module is disabled.
   */
  public Operand<TFloat32> fusedFeature(GraphContext ctx, List<Operand<TFloat32>> encoded) {
    List<Operand<TFloat32>> selected = new ArrayList<>();
    for (int stage : stages) {
      if (stage >= encoded.size()) {
        throw new DelineoException("semsim_unet: fused stage " + stage + " needs at least "
            + (stage + 1) + " encoder maps, found " + encoded.size());
      }
      selected.add(encoded.get(stage));
    }
    return fusionEnabled ? fusion.apply(ctx, selected) : projection.apply(ctx, selected.get(0));
  }

  private static ModelOutputs withFeature(ModelOutputs out, Operand<TFloat32> feature) {
    Map<String, Operand<TFloat32>> features = new LinkedHashMap<>(out.features());
    features.put(FEATURE, feature);
    return new ModelOutputs(out.logits(), out.auxLogits(), out.deepSupervision(), features);
  }

  /** Readable construction of a {@link SemSimUNet}; every setting but the class count has a default. */
  public static final class Builder {
    private final int numClasses;
    private int[] channels = {16, 32, 64, 128, 256};
    private float[] dropout = {0.05f, 0.1f, 0.2f, 0.3f, 0.5f};
    private float leakySlope = 0.01f;
    private boolean fusionEnabled = true;
    private int dim = 128;
    private int windows = 4;
    private int heads = 4;
    private float mlpRatio = 4f;
    private int[] stages = {1, 2, 3};

    private Builder(int numClasses) {
      this.numClasses = numClasses;
    }

    /** UNet feature channels per level, finest first. */
    public Builder channels(int... values) {
      this.channels = values.clone();
      return this;
    }

    /** UNet encoder dropout per level. */
    public Builder encoderDropout(float... values) {
      this.dropout = values.clone();
      return this;
    }

    /** Negative slope of the UNet's LeakyReLUs. */
    public Builder leakySlope(float value) {
      this.leakySlope = value;
      return this;
    }

    /** Whether the fusion module is built (default true). */
    public Builder fusionEnabled(boolean value) {
      this.fusionEnabled = value;
      return this;
    }

    /** Common channel width D (default 128). */
    public Builder dim(int value) {
      this.dim = value;
      return this;
    }

    /** Windows per side S (default 4). */
    public Builder windows(int value) {
      this.windows = value;
      return this;
    }

    /** Attention heads (default 4). */
    public Builder heads(int value) {
      this.heads = value;
      return this;
    }

    /** MLP hidden width as a multiple of D (default 4). */
    public Builder mlpRatio(float value) {
      this.mlpRatio = value;
      return this;
    }

    /** Encoder stages fused, 0-based, strictly increasing (default 1, 2, 3); empty keeps the default. */
    public Builder stages(int... values) {
      if (values.length > 0) {
        this.stages = values.clone();
      }
      return this;
    }

    /** @throws DelineoException on an invalid setting, naming it */
    public SemSimUNet build() {
      for (int i = 0; i < stages.length; i++) {
        boolean inRange = stages[i] >= 0 && stages[i] < channels.length;
        if (!inRange || (i > 0 && stages[i] <= stages[i - 1])) {
          throw new DelineoException("semsim_unet stages: expected strictly increasing 0-based"
              + " levels below " + channels.length + ", found " + Arrays.toString(stages));
        }
      }
      return new SemSimUNet(this);
    }
  }
}
