package org.delineo.graph.models.rfnet;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.delineo.graph.model.SegmentationModel;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The PRISM network {@code prism_rfnet}: RFNet ({@code dyh127/RFNet models.py}) as PASSION runs it
 * ({@code Jun-Jie-Shi/PASSION code/models/rfnet_passion.py}; reference-methods.md §4.5–4.6), on
 * NDHWC input [N, D, H, W, M] with one channel per modality.
 *
 * <ul>
 *   <li>One {@link RfNetEncoder} per modality ({@code <modality>_encoder}); missing modalities are
 *       zeroed at the input AND in every encoder feature map (PASSION's {@code MaskModal}).
 *   <li>{@link SepDecoder} ({@code decoder_sep}), shared by all modalities, built once on the M
 *       modalities stacked along the batch.
 *   <li>{@link FusionDecoder} ({@code decoder_fuse}) with a PRM head and region-aware fusion per
 *       level.
 * </ul>
 *
 * <p>{@link #apply} returns: logits = fused logits [N, D, H, W, K]; deepSupervision = PRM logits per
 * level, finest first, each at its level's native resolution (1, 1/2, 1/4, 1/8); features
 * {@code de_x1} … {@code de_xL} (see {@link FusionOutputs}; de_x1 is full resolution with b
 * channels); auxLogits {@code sep_<modality>} = uni-modal LOGITS [N, D, H, W, K] (the reference's
 * Decoder_sep ends in a softmax; callers apply it), built only in TRAIN mode, since evaluation and
 * serving never need them. All outputs are logits. A null modality mask means all modalities are
 * present.
 *
 * <p>Variable names are PyTorch's state-dict keys, e.g. {@code flair_encoder.e1_c1.conv.weight},
 * {@code decoder_sep.d3_c1.conv.bias}, {@code decoder_fuse.RFM4.modal_fusion.0.weight_layer.0.weight},
 * {@code decoder_fuse.prm_generator3.prm_layer.1.weight}, {@code decoder_fuse.seg_layer.bias} (kernels
 * DHWIO). Deviations from the reference: conv biases start at zero (PyTorch draws them uniformly),
 * and a PRM embedding narrower than 4 channels keeps 1 channel instead of 0 (only for widths below
 * the reference's).
 *
 * <p>D, H and W must be static and divisible by {@link #sizeDivisor()} (trilinear upsampling needs
 * static sizes); N may be unknown.
 */
public final class PrismRfNet implements SegmentationModel {
  /** The registry name. */
  public static final String NAME = "prism_rfnet";
  /** The reference modality order, also the order of the 15-mask table. */
  public static final List<String> DEFAULT_MODALITIES = List.of("flair", "t1ce", "t1", "t2");

  private final int numClasses;
  private final int basicDims;
  private final int levels;
  private final int inputSize;
  private final List<String> modalities;
  private final List<RfNetEncoder> encoders = new ArrayList<>();
  private final SepDecoder sepDecoder;
  private final FusionDecoder fusionDecoder;

  private PrismRfNet(Builder b) {
    this.numClasses = b.numClasses;
    this.basicDims = b.basicDims;
    this.levels = b.levels;
    this.inputSize = b.inputSize;
    this.modalities = List.copyOf(b.modalities);
    for (String m : modalities) {
      encoders.add(new RfNetEncoder(m + "_encoder", basicDims, levels, b.leakySlope));
    }
    this.sepDecoder = new SepDecoder("decoder_sep", basicDims, levels, numClasses, b.leakySlope);
    this.fusionDecoder = new FusionDecoder("decoder_fuse", basicDims, levels, numClasses,
        modalities.size(), b.fusionHidden, b.leakySlope);
  }

  /** A builder with the PASSION defaults (b = 8, 4 levels, flair/t1ce/t1/t2) for K classes. */
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

  /** Modality names, in input channel order. */
  public List<String> modalities() {
    return modalities;
  }

  /** Width b of the first level. */
  public int basicDims() {
    return basicDims;
  }

  /** Encoder levels (each with one PRM head). */
  public int levels() {
    return levels;
  }

  @Override
  public boolean takesModalityMask() {
    return true;
  }

  @Override
  public int requiredInputSize() {
    return inputSize;
  }

  /** 2^(levels − 1): 8 for the reference's 4 levels. */
  @Override
  public int sizeDivisor() {
    return 1 << (levels - 1);
  }

  @Override
  public ModelOutputs apply(GraphContext ctx, ModelInputs inputs) {
    Operand<TFloat32> image = staticImage(ctx.tf(), inputs.image());
    Operand<TFloat32> mask = floatMask(ctx.tf(), image, inputs.modalityMask());
    List<List<Operand<TFloat32>>> features = encode(ctx, image, mask);
    FusionOutputs fused = fusionDecoder.apply(ctx, features, mask);
    Map<String, Operand<TFloat32>> sep = ctx.training() ? sepLogits(ctx, features) : Map.of();
    return outputs(fused.logits(), fused.prmLogits(), fused.decoderFeatures(), sep);
  }

  /**
   * Teacher and students in one pass: the encoders and {@code decoder_sep} run once on the N
   * samples; the fusion decoder runs once on (1 + M)·N rows, the encoder features tiled 1 + M times
   * and the masks stacked as [sample masks; e_0 × N; …; e_(M−1) × N] (see
   * {@link DistillationOutputs} for the layout). The result equals applying the model separately
   * with the sample mask and with each sample ∧ e_m. The uni-modal logits are built whatever the
   * mode (this method exists for training).
   *
   * @param image [N, D, H, W, M]
   * @param modalityMask [N, M] availability, or null for all present
   */
  public DistillationOutputs applyWithStudents(
      GraphContext ctx, Operand<TFloat32> image, Operand<TBool> modalityMask) {
    Ops tf = ctx.tf();
    image = staticImage(tf, image);
    Operand<TFloat32> mask = floatMask(tf, image, modalityMask);
    List<List<Operand<TFloat32>>> features = encode(ctx, image, mask);
    int blocks = 1 + modalities.size();
    List<List<Operand<TFloat32>>> tiled = new ArrayList<>();
    for (List<Operand<TFloat32>> level : features) {
      List<Operand<TFloat32>> perModality = new ArrayList<>();
      for (Operand<TFloat32> f : level) {
        perModality.add(tf.concat(Collections.nCopies(blocks, f), tf.constant(0)));
      }
      tiled.add(perModality);
    }
    List<Operand<TFloat32>> masks = new ArrayList<>();
    masks.add(mask);
    Operand<TFloat32> ones = tf.onesLike(mask);
    for (int m = 0; m < modalities.size(); m++) {
      float[] oneHot = new float[modalities.size()];
      oneHot[m] = 1f;
      masks.add(tf.math.mul(ones, tf.constant(oneHot)));
    }
    Operand<TFloat32> stackedMask = tf.concat(masks, tf.constant(0));
    FusionOutputs fused = fusionDecoder.apply(ctx, tiled, stackedMask);

    List<Operand<TFloat32>> logits = Splits.split(tf, fused.logits(), 0, blocks);
    List<List<Operand<TFloat32>>> prms = splitEach(tf, fused.prmLogits(), blocks);
    List<List<Operand<TFloat32>>> deX = splitEach(tf, fused.decoderFeatures(), blocks);
    ModelOutputs teacher =
        outputs(logits.get(0), block(prms, 0), block(deX, 0), sepLogits(ctx, features));
    List<ModelOutputs> students = new ArrayList<>();
    for (int j = 1; j < blocks; j++) {
      students.add(outputs(logits.get(j), block(prms, j), block(deX, j), Map.of()));
    }
    ModelOutputs batched =
        outputs(fused.logits(), fused.prmLogits(), fused.decoderFeatures(), Map.of());
    return new DistillationOutputs(teacher, students, batched, stackedMask);
  }

  /**
   * Per level (finest first) the M modality feature maps, with the input channels and every map of
   * a missing modality zeroed.
   */
  private List<List<Operand<TFloat32>>> encode(
      GraphContext ctx, Operand<TFloat32> image, Operand<TFloat32> mask) {
    Ops tf = ctx.tf();
    int m = modalities.size();
    Operand<TFloat32> zeroed =
        tf.math.mul(image, tf.reshape(mask, tf.constant(new long[] {-1, 1, 1, 1, m})));
    List<Operand<TFloat32>> channels = Splits.split(tf, zeroed, 4, m);
    List<List<Operand<TFloat32>>> perLevel = new ArrayList<>();
    for (int l = 0; l < levels; l++) {
      perLevel.add(new ArrayList<>());
    }
    for (int k = 0; k < m; k++) {
      Operand<TFloat32> column = Masking.column(tf, mask, k);
      List<Operand<TFloat32>> maps = encoders.get(k).apply(ctx, channels.get(k));
      for (int l = 0; l < levels; l++) {
        perLevel.get(l).add(tf.math.mul(maps.get(l), column));
      }
    }
    return perLevel;
  }

  /** decoder_sep on the M modalities stacked along the batch, split back: sep_<modality> logits. */
  private Map<String, Operand<TFloat32>> sepLogits(
      GraphContext ctx, List<List<Operand<TFloat32>>> features) {
    Ops tf = ctx.tf();
    List<Operand<TFloat32>> stacked = new ArrayList<>();
    for (List<Operand<TFloat32>> level : features) {
      stacked.add(level.size() == 1 ? level.get(0) : tf.concat(level, tf.constant(0)));
    }
    List<Operand<TFloat32>> logits =
        Splits.split(tf, sepDecoder.apply(ctx, stacked), 0, modalities.size());
    Map<String, Operand<TFloat32>> out = new LinkedHashMap<>();
    for (int k = 0; k < modalities.size(); k++) {
      out.put("sep_" + modalities.get(k), logits.get(k));
    }
    return out;
  }

  private static ModelOutputs outputs(
      Operand<TFloat32> logits, List<Operand<TFloat32>> prms, List<Operand<TFloat32>> deX,
      Map<String, Operand<TFloat32>> sep) {
    Map<String, Operand<TFloat32>> features = new LinkedHashMap<>();
    for (int l = 0; l < deX.size(); l++) {
      features.put("de_x" + (l + 1), deX.get(l));
    }
    return new ModelOutputs(logits, sep, prms, features);
  }

  private static List<List<Operand<TFloat32>>> splitEach(
      Ops tf, List<Operand<TFloat32>> tensors, int blocks) {
    List<List<Operand<TFloat32>>> out = new ArrayList<>();
    for (Operand<TFloat32> t : tensors) {
      out.add(Splits.split(tf, t, 0, blocks));
    }
    return out;
  }

  private static List<Operand<TFloat32>> block(List<List<Operand<TFloat32>>> split, int j) {
    List<Operand<TFloat32>> out = new ArrayList<>();
    for (List<Operand<TFloat32>> pieces : split) {
      out.add(pieces.get(j));
    }
    return out;
  }

  /** The availability as float [N, M], after checking the image and mask shapes. */
  private Operand<TFloat32> floatMask(Ops tf, Operand<TFloat32> image, Operand<TBool> mask) {
    checkImage(image);
    if (mask == null) {
      Operand<TInt32> spatial = tf.constant(new int[] {1, 2, 3});
      return tf.onesLike(tf.math.mean(image, spatial)); // [N, M]
    }
    Shape s = mask.shape();
    int m = modalities.size();
    if (s.isUnknown() || s.numDimensions() != 2 || (s.get(1) >= 0 && s.get(1) != m)) {
      throw new ShapeMismatchException(
          NAME + " modality mask: expected shape [N, " + m + "] for modalities " + modalities
              + ", found " + s);
    }
    return tf.dtypes.cast(mask, TFloat32.class);
  }

  /**
   * The image with its spatial axes fixed to the configured input size, if any: trilinear
   * upsampling needs static sizes, and training / sliding-window placeholders leave them open.
   */
  private Operand<TFloat32> staticImage(Ops tf, Operand<TFloat32> image) {
    if (inputSize <= 0) {
      return image;
    }
    return tf.ensureShape(image, Shape.of(-1, inputSize, inputSize, inputSize, modalities.size()));
  }

  private void checkImage(Operand<TFloat32> image) {
    Shape s = image.shape();
    int m = modalities.size();
    if (s.isUnknown() || s.numDimensions() != 5 || s.get(4) != m) {
      throw new ShapeMismatchException(
          NAME + " input: expected [N, D, H, W, " + m + "] (one channel per modality " + modalities
              + "), found " + s);
    }
    for (int axis = 1; axis <= 3; axis++) {
      if (s.get(axis) < 0 || s.get(axis) % sizeDivisor() != 0) {
        throw new ShapeMismatchException(
            NAME + " input: D, H and W must be static and divisible by " + sizeDivisor() + " ("
                + (levels - 1) + " stride-2 levels), found " + s);
      }
    }
  }

  /** Readable construction of a {@link PrismRfNet}; every setting but the class count has a default. */
  public static final class Builder {
    private final int numClasses;
    private int basicDims = 8;
    private int levels = 4;
    private List<String> modalities = DEFAULT_MODALITIES;
    private int fusionHidden = 128;
    private float leakySlope = 0.2f;
    private int inputSize = 0;

    private Builder(int numClasses) {
      this.numClasses = numClasses;
    }

    /** Width b of level 1 (8 in PASSION, 16 in RFNet); levels have b, 2b, 4b, ... channels. */
    public Builder basicDims(int value) {
      this.basicDims = value;
      return this;
    }

    /** Encoder levels, each with one PRM head (4 in the reference). */
    public Builder levels(int value) {
      this.levels = value;
      return this;
    }

    /** Modality names in input channel order; an empty list means the default four. */
    public Builder modalities(List<String> value) {
      this.modalities = value == null || value.isEmpty() ? DEFAULT_MODALITIES : List.copyOf(value);
      return this;
    }

    /** Hidden width of the modality-weighting MLP in region-aware fusion (128). */
    public Builder fusionHidden(int value) {
      this.fusionHidden = value;
      return this;
    }

    /**
     * Edge of the cubic input (the 80³ crop and sliding window), fixed statically in the graph
     * because trilinear upsampling needs static sizes; 0 (default) leaves the shape to the input.
     */
    public Builder inputSize(int value) {
      this.inputSize = value;
      return this;
    }

    /** Negative slope of every LeakyReLU (0.2). */
    public Builder leakySlope(float value) {
      this.leakySlope = value;
      return this;
    }

    /** @throws DelineoException on an invalid setting, naming it */
    public PrismRfNet build() {
      if (numClasses < 1) {
        throw new DelineoException(NAME + " numClasses must be positive, found " + numClasses);
      }
      if (basicDims < 2) {
        throw new DelineoException(NAME + " basic_dims must be at least 2, found " + basicDims);
      }
      if (levels < 2 || levels > 8) {
        throw new DelineoException(NAME + " levels must be in [2, 8], found " + levels);
      }
      if (fusionHidden < 1) {
        throw new DelineoException(NAME + " fusion_hidden must be positive, found " + fusionHidden);
      }
      if (!Float.isFinite(leakySlope)) {
        throw new DelineoException(NAME + " leaky_slope must be finite, found " + leakySlope);
      }
      if (modalities.stream().distinct().count() != modalities.size()) {
        throw new DelineoException(NAME + " modalities must be distinct, found " + modalities);
      }
      for (String m : modalities) {
        if (!m.matches("[A-Za-z0-9][A-Za-z0-9_]*")) {
          throw new DelineoException(
              NAME + " modality names must be letters, digits and '_' (they name variables), found '"
                  + m + "'");
        }
      }
      return new PrismRfNet(this);
    }
  }
}
