package org.delineo.losses.prism;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Prototype distillation on decoder features, in the three forms of decision PR-2
 * (reference-methods.md §4.7.4; {@code PrismConfig.ProtoForm} in strategy.proto has the same
 * names). Features are channels-last {@code [N, spatial..., F]} (PASSION: the full-resolution
 * decoder feature de_x1); targets are one-hot {@code [N, spatial..., K]} (or class-id labels) at
 * the features' resolution. The teacher features are detached here (tf.stopGradient).
 *
 * <p>Class prototypes per sample n and class c: π_nc = Σ_vox F_n·Y_nc / (Σ_vox Y_nc + 1e-5).
 *
 * <ul>
 *   <li>{@link Form#COSINE_MAP} (PASSION {@code prototype_passion_loss_bs}): included classes are
 *       those present in <em>every</em> sample of the batch. For each included class the cosine
 *       similarity maps S^s_c(v) = cos(F_s(v), π^s_c) and S^t_c(v) = cos(F_t(v), π^t_c), with
 *       cos(a, b) = a·b / (max(‖a‖, 1e-5)·max(‖b‖, 1e-5)) (PyTorch's current
 *       {@code cosine_similarity}). loss_n = mean over (included classes, voxels) of
 *       (S^s − S^t)²; dist_n = the same mean of |S^s − S^t|.
 *   <li>{@link Form#L2_CLASSIFIER} (HGA {@code prototype_passion_loss_bs}): student only. With
 *       d_c(v) = ‖F_s(v) − π^s_c‖₂ and q = softmax over the included classes of −d,
 *       loss_n = mean_vox −log clamp(Σ_c q_c·Y_c, 0.005, 1) + 0.001 · mean_vox Σ_c d_c·Y_c and
 *       dist_n = mean_vox Σ_c q_c·Y_c (a confidence: larger is better, unlike the other forms).
 *       <em>Per sample:</em> the reference returns one scalar, the mean over batch and voxels; as
 *       every sample has the same voxel count, that scalar is exactly the batch mean of this
 *       loss_n (the same means taken over each sample's voxels alone). Voxels of a class that is
 *       not included score Σ q·Y = 0, i.e. the constant −log 0.005, as the reference.
 *   <li>{@link Form#PROTOTYPE_L2} (design note, no reference code): loss_n = Σ_c ‖π^s_nc −
 *       π^t_nc‖² over the classes present in sample n (an absent class has π = 0 for both, so the
 *       per-sample rule needs no batch coupling); dist_n = the mean over those classes of
 *       ‖π^s_nc − π^t_nc‖.
 * </ul>
 *
 * If no class qualifies (COSINE_MAP / L2_CLASSIFIER: none present in every sample), loss and dist
 * are 0 with no gradient; the reference raises there (an empty concatenation). Background is
 * present in every BraTS crop, so this does not happen in practice.
 *
 * <p>Worked example (COSINE_MAP): one sample, 2 pixels, F = 2, classes {0, 1} one pixel each.
 *
 * <pre>{@code
 * // student F = ((1, 0), (0, 1)) → π_0 = (1, 0)/(1 + 1e-5), π_1 = (0, 1)/(1 + 1e-5)
 * //   S^s_0 = (1, 0), S^s_1 = (0, 1)
 * // teacher F = ((1, 0), (1, 1)) → π_0 ∥ (1, 0), π_1 ∥ (1, 1)
 * //   S^t_0 = (1, 1/√2), S^t_1 = (1/√2, 1)
 * // S^s − S^t = class 0: (0, −1/√2), class 1: (−1/√2, 0)
 * // loss = mean(0, 0.5, 0.5, 0) = [0.25];  dist = mean(0, 0.70711, 0.70711, 0) = [0.35355]
 * PrototypeTerms t = PrototypeLoss.builder().build().apply(tf, student, teacher, targets);
 * }</pre>
 */
public final class PrototypeLoss {
  /** Denominator guard of the prototypes and the cosine similarity (the reference's eps). */
  public static final float EPS = 1e-5f;
  /** HGA's weight of the mean true-class distance in L2_CLASSIFIER. */
  public static final float DEFAULT_DISTANCE_WEIGHT = 0.001f;
  /** HGA's lower clamp of the true-class probability in L2_CLASSIFIER. */
  public static final float DEFAULT_CLAMP = 0.005f;
  /** Squared distances are floored here before the square root, keeping its gradient finite. */
  private static final float MIN_SQUARED_DISTANCE = 1e-12f;
  /** Added to the logits of excluded classes so that their softmax weight is exactly 0. */
  private static final float EXCLUDED_LOGIT = -1e9f;

  /** The prototype loss form (decision PR-2). */
  public enum Form {
    /** PASSION: MSE between student and teacher cosine-similarity maps to their prototypes. */
    COSINE_MAP,
    /** HGA: prototype classifier on the student feature (distance CE + 0.001 × distance). */
    L2_CLASSIFIER,
    /** Design note: squared L2 between student and teacher class prototypes. */
    PROTOTYPE_L2
  }

  private final Form form;
  private final float distanceWeight;
  private final float clamp;

  private PrototypeLoss(Builder b) {
    this.form = b.form;
    this.distanceWeight = b.distanceWeight;
    this.clamp = b.clamp;
  }

  /** A builder with the defaults: COSINE_MAP, distance weight 0.001, clamp 0.005. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Loss and dist per sample.
   *
   * @param studentFeatures [N, spatial..., F], F static
   * @param teacherFeatures the same shape (detached inside); may be null for L2_CLASSIFIER, which
   *     does not use it
   * @param targets one-hot [N, spatial..., K] at the features' resolution, K static
   * @throws org.delineo.graph.ShapeMismatchException on mismatched shapes
   * @throws org.delineo.graph.DelineoException if the teacher is null for a form that needs it
   */
  public PrototypeTerms apply(Ops tf, Operand<TFloat32> studentFeatures,
      Operand<TFloat32> teacherFeatures, Operand<TFloat32> targets) {
    int r = PrismTensors.rank("prototype loss student features", studentFeatures);
    PrismTensors.rank("prototype loss targets", targets);
    Shape pixels = studentFeatures.shape().take(r - 1);
    PrismTensors.requireCompatible(
        "prototype loss targets (the features' shape without the channel axis, then K)",
        pixels, targets.shape().take(targets.shape().numDimensions() - 1));
    PrismTensors.require(teacherFeatures != null || form == Form.L2_CLASSIFIER,
        "prototype loss form " + form + ": expected teacher features, found null");
    if (teacherFeatures != null) {
      PrismTensors.requireCompatible("prototype loss teacher features (the student's shape)",
          studentFeatures.shape(), teacherFeatures.shape());
    }
    Operand<TFloat32> fS = PrismTensors.perSampleRows(tf, studentFeatures);
    Operand<TFloat32> y = PrismTensors.perSampleRows(tf, targets);
    Operand<TFloat32> count = tf.reduceSum(y, tf.constant(1));
    Operand<TFloat32> protoS = prototypes(tf, fS, y, count);
    if (form == Form.L2_CLASSIFIER) {
      return classifier(tf, fS, protoS, y, count, PrismTensors.channels(targets));
    }
    Operand<TFloat32> fT = PrismTensors.perSampleRows(tf, tf.stopGradient(teacherFeatures));
    Operand<TFloat32> protoT = prototypes(tf, fT, y, count);
    return form == Form.COSINE_MAP
        ? cosineMaps(tf, fS, protoS, fT, protoT, count)
        : prototypeDistance(tf, protoS, protoT, count);
  }

  /**
   * Loss and dist per sample for class-id labels {@code [N, spatial...]} (ids outside [0, K) belong
   * to no class).
   *
   * @param classes K
   */
  public PrototypeTerms applyToLabels(Ops tf, Operand<TFloat32> studentFeatures,
      Operand<TFloat32> teacherFeatures, Operand<TInt32> labels, int classes) {
    PrismTensors.require(classes > 0, "prototype loss: expected a positive class count, found "
        + classes);
    Operand<TFloat32> targets =
        tf.oneHot(labels, tf.constant(classes), tf.constant(1f), tf.constant(0f));
    return apply(tf, studentFeatures, teacherFeatures, targets);
  }

  /** π [N, K, F] = Yᵀ·F / (count + eps) per sample. */
  private static Operand<TFloat32> prototypes(
      Ops tf, Operand<TFloat32> f, Operand<TFloat32> y, Operand<TFloat32> count) {
    Operand<TFloat32> sums = tf.train.batchMatMul(y, f, TFloat32.class, BatchMatMul.adjX(true));
    return tf.math.div(sums, tf.expandDims(tf.math.add(count, tf.constant(EPS)), tf.constant(-1)));
  }

  /** [K]: 1 for the classes present in every sample of the batch, else 0. */
  private static Operand<TFloat32> includedInEverySample(Ops tf, Operand<TFloat32> count) {
    return tf.reduceMin(present(tf, count), tf.constant(0));
  }

  /** [N, K]: 1 where the class occurs in the sample. */
  private static Operand<TFloat32> present(Ops tf, Operand<TFloat32> count) {
    return tf.dtypes.cast(tf.math.greater(count, tf.constant(0f)), TFloat32.class);
  }

  private PrototypeTerms cosineMaps(Ops tf, Operand<TFloat32> fS, Operand<TFloat32> protoS,
      Operand<TFloat32> fT, Operand<TFloat32> protoT, Operand<TFloat32> count) {
    Operand<TFloat32> included = includedInEverySample(tf, count);
    Operand<TFloat32> diff =
        tf.math.sub(cosine(tf, fS, protoS), cosine(tf, fT, protoT)); // [N, V, K]
    Operand<TFloat32> loss = meanOverIncluded(tf, tf.math.square(diff), included);
    Operand<TFloat32> dist = meanOverIncluded(tf, tf.math.abs(diff), included);
    return new PrototypeTerms(loss, tf.stopGradient(dist));
  }

  /** Σ_c included_c · mean_vox x / (number of included classes), 0 if none; [N]. */
  private static Operand<TFloat32> meanOverIncluded(
      Ops tf, Operand<TFloat32> x, Operand<TFloat32> included) {
    Operand<TFloat32> perClass = tf.math.mul(tf.math.mean(x, tf.constant(1)), included);
    return tf.math.divNoNan(tf.reduceSum(perClass, tf.constant(1)),
        tf.reduceSum(included, tf.constant(0)));
  }

  /** cos(F(v), π_c) for every voxel and class: [N, V, K]. */
  private static Operand<TFloat32> cosine(Ops tf, Operand<TFloat32> f, Operand<TFloat32> proto) {
    Operand<TFloat32> dot = tf.train.batchMatMul(f, proto, TFloat32.class, BatchMatMul.adjY(true));
    Operand<TFloat32> normF = clampedNorm(tf, f, true); // [N, V, 1]
    Operand<TFloat32> normP = tf.expandDims(clampedNorm(tf, proto, false), tf.constant(1));
    return tf.math.div(dot, tf.math.mul(normF, normP));
  }

  /**
   * max(‖x‖, eps) over the last axis, as sqrt(max(Σx², eps²)): the same value, but the gradient is
   * 0 rather than NaN (0·∞) for an all-zero vector.
   */
  private static Operand<TFloat32> clampedNorm(Ops tf, Operand<TFloat32> x, boolean keepDims) {
    Operand<TFloat32> squares =
        tf.reduceSum(tf.math.square(x), tf.constant(-1), ReduceSum.keepDims(keepDims));
    return tf.math.sqrt(tf.math.maximum(squares, tf.constant(EPS * EPS)));
  }

  private PrototypeTerms classifier(Ops tf, Operand<TFloat32> fS, Operand<TFloat32> protoS,
      Operand<TFloat32> y, Operand<TFloat32> count, int classes) {
    Operand<TFloat32> included = includedInEverySample(tf, count);
    Operand<TFloat32> d = distances(tf, fS, protoS, classes); // [N, V, K]
    Operand<TFloat32> logits = tf.math.add(tf.math.neg(d),
        tf.math.mul(tf.math.sub(tf.constant(1f), included), tf.constant(EXCLUDED_LOGIT)));
    Operand<TFloat32> q = tf.nn.softmax(logits);
    Operand<TFloat32> yIncluded = tf.math.mul(y, included);
    Operand<TFloat32> trueClass = tf.reduceSum(tf.math.mul(q, yIncluded), tf.constant(-1)); // [N, V]
    Operand<TFloat32> ce = tf.math.mean(tf.math.neg(tf.math.log(
        PrismTensors.clampProbabilities(tf, trueClass, clamp))), tf.constant(1));
    Operand<TFloat32> distance = tf.math.mean(
        tf.reduceSum(tf.math.mul(d, yIncluded), tf.constant(-1)), tf.constant(1));
    Operand<TFloat32> any = tf.math.minimum(
        tf.reduceSum(included, tf.constant(0)), tf.constant(1f));
    Operand<TFloat32> loss = tf.math.mul(
        tf.math.add(ce, tf.math.mul(tf.constant(distanceWeight), distance)), any);
    Operand<TFloat32> dist = tf.math.mul(tf.math.mean(trueClass, tf.constant(1)), any);
    return new PrototypeTerms(loss, tf.stopGradient(dist));
  }

  /**
   * ‖F(v) − π_c‖₂ for every voxel and class, [N, V, K]. One class at a time on the difference
   * itself: the expansion ‖f‖² − 2f·π + ‖π‖² would need no loop but cancels in float32 (a voxel
   * alone in its class sits at distance ~1e-5 from its prototype, far below that rounding), and a
   * [N, V, K, F] difference would cost K times the feature's memory.
   */
  private static Operand<TFloat32> distances(
      Ops tf, Operand<TFloat32> f, Operand<TFloat32> proto, int classes) {
    List<Operand<TFloat32>> perClass = new ArrayList<>(classes);
    for (int c = 0; c < classes; c++) {
      Operand<TFloat32> protoC = tf.slice(proto, tf.constant(new int[] {0, c, 0}),
          tf.constant(new int[] {-1, 1, -1})); // [N, 1, F]
      Operand<TFloat32> squared = tf.reduceSum(tf.math.square(tf.math.sub(f, protoC)),
          tf.constant(-1), ReduceSum.keepDims(true)); // [N, V, 1]
      perClass.add(tf.math.sqrt(tf.math.maximum(squared, tf.constant(MIN_SQUARED_DISTANCE))));
    }
    return classes == 1 ? perClass.get(0) : tf.concat(perClass, tf.constant(-1));
  }

  private static PrototypeTerms prototypeDistance(Ops tf, Operand<TFloat32> protoS,
      Operand<TFloat32> protoT, Operand<TFloat32> count) {
    Operand<TFloat32> present = present(tf, count); // [N, K]
    Operand<TFloat32> squared =
        tf.reduceSum(tf.math.square(tf.math.sub(protoS, protoT)), tf.constant(-1)); // [N, K]
    Operand<TFloat32> loss = tf.reduceSum(tf.math.mul(squared, present), tf.constant(1));
    Operand<TFloat32> norms =
        tf.math.sqrt(tf.math.maximum(squared, tf.constant(MIN_SQUARED_DISTANCE)));
    Operand<TFloat32> dist = tf.math.divNoNan(
        tf.reduceSum(tf.math.mul(norms, present), tf.constant(1)),
        tf.reduceSum(present, tf.constant(1)));
    return new PrototypeTerms(loss, tf.stopGradient(dist));
  }

  /** The form in use. */
  public Form form() {
    return form;
  }

  /** Readable construction of a {@link PrototypeLoss}; every setting has a default. */
  public static final class Builder {
    private Form form = Form.COSINE_MAP;
    private float distanceWeight = DEFAULT_DISTANCE_WEIGHT;
    private float clamp = DEFAULT_CLAMP;

    private Builder() {}

    /** COSINE_MAP (default), L2_CLASSIFIER or PROTOTYPE_L2; see the class comment. */
    public Builder form(Form value) {
      PrismTensors.require(value != null,
          "prototype loss form: expected COSINE_MAP, L2_CLASSIFIER or PROTOTYPE_L2, found null");
      this.form = value;
      return this;
    }

    /** L2_CLASSIFIER: weight of the mean true-class distance (default 0.001), non-negative. */
    public Builder distanceWeight(float value) {
      this.distanceWeight = value;
      return this;
    }

    /** L2_CLASSIFIER: lower clamp of the true-class probability (default 0.005), in (0, 1). */
    public Builder clamp(float value) {
      this.clamp = value;
      return this;
    }

    /** @throws org.delineo.graph.DelineoException on an invalid setting, naming it */
    public PrototypeLoss build() {
      PrismTensors.require(distanceWeight >= 0f && Float.isFinite(distanceWeight),
          "prototype loss distance weight must be finite and non-negative, found "
              + distanceWeight);
      PrismTensors.require(clamp > 0f && clamp < 1f,
          "prototype loss clamp must lie in (0, 1), found " + clamp);
      return new PrototypeLoss(this);
    }
  }
}
