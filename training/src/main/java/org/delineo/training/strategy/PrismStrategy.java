package org.delineo.training.strategy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.delineo.graph.GraphContext;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.graph.models.rfnet.DistillationOutputs;
import org.delineo.graph.models.rfnet.PrismRfNet;
import org.delineo.losses.prism.PrismDiceLoss;
import org.delineo.losses.prism.PrmDeepSupervision;
import org.delineo.losses.prism.PrmWeights;
import org.delineo.losses.prism.PrototypeLoss;
import org.delineo.losses.prism.PrototypeTerms;
import org.delineo.losses.prism.SoftmaxWeightedLoss;
import org.delineo.losses.prism.TemperatureKlLoss;
import org.delineo.proto.PrismConfig;
import org.delineo.training.config.ConfigException;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * PRISM self-distillation on {@code prism_rfnet} (reference-methods.md §4.7–4.9, PASSION's
 * objective): the teacher is the fusion decoder under the sample's modality mask, the four students
 * the same decoder under single-modality masks, built as one batched application. Per sample b and
 * modality m:
 *
 * <pre>
 *   fuse_b  = wCE(softmax(z_fuse)) + Dice(softmax(z_fuse))
 *   prm_b   = Σ_l w_l · [wCE + Dice](softmax(prm_l)↑)              (w = 0.5, 0.25, …)
 *   sep_bm  = [wCE + Dice](softmax(z_sep,m)) · a_bm                  (a = availability)
 *   kl_bm   = [KL_T(z_m ‖ z_fuse) + Σ_l w_l · KL_T(prm_l,m↑ ‖ prm_l↑)] · a_bm  (↑: softmaxes upsampled)
 *   proto_bm = proto(de_x1,m, de_x1) · a_bm
 *   L = fuse + sep_w·Σ_m g_m β_m sep_m + prm + kd_w·Σ_m β_m kl_m + proto_w·Σ_m g_m proto_m
 * </pre>
 *
 * reduced over the batch by sum (PASSION) or mean. With adaptive weights (UTD / UTD_DROP data), β
 * is PASSION's {@code imb_beta}, updated at the end of every epoch from the epoch's mean prototype
 * distance per modality, and g its relative-preference gate (modalities whose distance this batch
 * is above the mean over available ones); otherwise β = g = 1. The modal_weight factor of PASSION
 * (iterations per epoch over the modality's case count) is not applied: the weights are
 * configurable instead. During {@code warmup_steps} only the uni-modal term is optimised, and β
 * is adapted at epoch ends after the warm-up only (the distance sums still restart at every epoch
 * end). The β update runs after the optimizer update of the step.
 *
 * <p>As the meta objective of Meta-Drop ({@link #metaObjective}) the β state is read, never
 * updated; {@code strategy.meta_drop.meta_distillation} false (the reference) drops the students,
 * KL and prototype terms there.
 */
public final class PrismStrategy implements TrainingStrategy {
  /** Feed telling the graph that this batch ends an epoch (scalar bool). */
  public static final String EPOCH_END = "prism_epoch_end";

  /**
   * Which parts of the objective are on (the ablations switch them off).
   *
   * @param distill whether students, KL and prototype terms are built (off: the RFNet baseline)
   * @param kl the KL distillation term
   * @param proto the prototype term
   * @param uniformPrm every PRM level weighted 1 (original RFNet) instead of halving
   * @param unweightedCe every class weighted 1 in the cross-entropy instead of 1 − its fraction of
   *     the crop (the reference's weighting trades background precision for tumour recall)
   */
  public record Terms(boolean distill, boolean kl, boolean proto, boolean uniformPrm, boolean unweightedCe) {
    /** Everything on, as the reference. */
    public static Terms all() {
      return new Terms(true, true, true, false, false);
    }
  }

  private final PrismConfig config;
  private final Terms terms;
  private final boolean adaptive;

  /**
   * @param adaptive whether imb_beta and the relative-preference gate are used (the config asks
   *     for them and the data have case-wise missing modalities)
   */
  public PrismStrategy(PrismConfig config, Terms terms, boolean adaptive) {
    this.config = config;
    this.terms = terms;
    this.adaptive = adaptive && terms.distill();
  }

  @Override
  public String name() {
    return "prism";
  }

  /** Which parts of the objective are on. */
  public Terms terms() {
    return terms;
  }

  /**
   * The objective (for the inner level of Meta-Drop too); with adaptive weights, the β state update
   * is the objective's {@link Objective#afterUpdate}, which the step runs after the optimizer update.
   */
  @Override
  public Objective objective(GraphContext ctx, SegmentationModel model, StepInputs inputs) {
    return assemble(ctx, model, inputs, terms, true);
  }

  /**
   * The meta-level loss of Meta-Drop: never feeds on the epoch end and never updates β (it may
   * read β and the gate, whose distances come from the meta batch itself). Without
   * {@code distillation} it is the reference's meta loss, fuse + uni-modal × availability + PRM,
   * built without the 5N student pass; with it, the full objective.
   */
  @Override
  public Objective metaObjective(GraphContext ctx, SegmentationModel model, StepInputs inputs,
      boolean distillation) {
    Terms t = distillation ? terms
        : new Terms(false, terms.kl(), terms.proto(), terms.uniformPrm(), terms.unweightedCe());
    return assemble(ctx, model, inputs, t, false);
  }

  /**
   * @param withState whether the β state is updated (epoch-end feed, warm-up gate): false for the
   *     meta level
   */
  private Objective assemble(GraphContext ctx, SegmentationModel model, StepInputs inputs, Terms terms,
      boolean withState) {
    boolean adaptive = this.adaptive && terms.distill();
    if (!(model instanceof PrismRfNet net)) {
      throw new ConfigException("strategy 'prism' needs model 'prism_rfnet', found '" + model.name() + "'");
    }
    Ops tf = ctx.tf();
    Operand<TFloat32> image = inputs.image();
    Operand<TInt32> labels = inputs.labels();
    Operand<TBool> mask = inputs.modalityMask(StepInputs.MODALITY_MASK);
    int k = net.numClasses();
    List<String> modalities = net.modalities();
    int levels = net.levels();
    SoftmaxWeightedLoss ce = new SoftmaxWeightedLoss(config.getProbClamp(), !terms.unweightedCe());
    PrismDiceLoss dice = new PrismDiceLoss();
    PrmWeights prmWeights = terms.uniformPrm()
        ? PrmWeights.uniform(1f, levels) : PrmWeights.halving(config.getPrmStartWeight(), levels);
    PrmDeepSupervision prmLoss = new PrmDeepSupervision(prmWeights, ce);

    ModelOutputs teacher;
    List<ModelOutputs> students = List.of();
    if (terms.distill()) {
      DistillationOutputs d = net.applyWithStudents(ctx, image, mask);
      teacher = d.teacher();
      students = d.students();
    } else {
      teacher = net.apply(ctx, new ModelInputs(image, mask));
    }
    Operand<TFloat32> available = tf.dtypes.cast(mask, TFloat32.class);
    // The network fixes its crop statically; the PRM upsampling of the loss needs the labels to match.
    labels = tf.ensureShape(labels, teacher.logits().shape().take(teacher.logits().shape().numDimensions() - 1));

    Operand<TFloat32> fuse = reduce(tf, segLoss(tf, ce, dice, teacher.logits(), labels));
    Operand<TFloat32> prm = reduce(tf, prmLoss.applyToLabels(tf, teacher.deepSupervision(), labels, k));
    List<Operand<TFloat32>> sep = new ArrayList<>();
    List<Operand<TFloat32>> kl = new ArrayList<>();
    List<Operand<TFloat32>> proto = new ArrayList<>();
    List<Operand<TFloat32>> dist = new ArrayList<>();
    TemperatureKlLoss klLoss = new TemperatureKlLoss(config.getTemperature(), config.getProbClamp());
    long[] fullSize = spatialSize(teacher.logits());
    PrototypeLoss protoLoss = PrototypeLoss.builder()
        .form(PrototypeLoss.Form.valueOf(config.getProtoForm().name()))
        .clamp(config.getProbClamp())
        .build();
    for (int m = 0; m < modalities.size(); m++) {
      Operand<TFloat32> a = column(tf, available, m);
      Operand<TFloat32> sepLogits = teacher.auxLogits().get("sep_" + modalities.get(m));
      sep.add(tf.math.mul(segLoss(tf, ce, dice, sepLogits, labels), a));
      if (!terms.distill()) {
        continue;
      }
      ModelOutputs student = students.get(m);
      if (terms.kl()) {
        Operand<TFloat32> term = klLoss.apply(tf, student.logits(), teacher.logits());
        for (int l = 0; l < levels; l++) {
          term = tf.math.add(term, tf.math.mul(tf.constant(prmWeights.get(l)),
              klLoss.apply(tf, student.deepSupervision().get(l), teacher.deepSupervision().get(l), fullSize)));
        }
        kl.add(tf.math.mul(term, a));
      }
      if (terms.proto() || adaptive) {
        PrototypeTerms p = protoLoss.applyToLabels(tf, student.features().get("de_x1"),
            teacher.features().get("de_x1"), labels, k);
        proto.add(tf.math.mul(p.loss(), a));
        dist.add(tf.stopGradient(p.dist()));
      }
    }

    Operand<TFloat32> beta = null;
    Operand<TFloat32> gate = null;
    Function<Ops, Op> stateUpdate = null;
    List<Op> stepFlags = new ArrayList<>();
    if (adaptive) {
      ImbalanceWeights weights = ImbalanceWeights.create(ctx, config, modalities.size());
      Operand<TFloat32> distances = tf.stack(dist, org.tensorflow.op.core.Stack.axis(1L)); // [N, M]
      gate = weights.relativePreferenceGate(tf, distances, available);
      beta = weights.beta();
      if (withState) {
        int every = config.getBetaUpdateSteps();
        Operand<TBool> epochEnd = every > 0
            ? tf.math.equal(tf.math.floorMod(tf.math.add(inputs.step(), tf.constant(1L)), tf.constant((long) every)),
                tf.constant(0L))
            : inputs.bool(EPOCH_END);
        // PASSION adapts β at epoch ends after the warm-up only.
        Operand<TBool> afterWarmup = config.getWarmupSteps() > 0
            ? tf.math.greaterEqual(inputs.step(), tf.constant((long) config.getWarmupSteps()))
            : null;
        Operand<TFloat32> d = distances;
        stateUpdate = ops -> weights.update(ops, d, available, epochEnd, afterWarmup);
        stepFlags.add(epochEnd);
        if (afterWarmup != null) {
          stepFlags.add(afterWarmup);
        }
      }
    }
    Operand<TFloat32> sepTotal = weightedSum(tf, sep, beta, gate);
    Operand<TFloat32> sepWarmup = weightedSum(tf, sep, null, null);
    Map<String, Operand<TFloat32>> scalars = new LinkedHashMap<>();
    scalars.put("fuse", fuse);
    scalars.put("prm", prm);
    scalars.put("sep", sepTotal);
    Operand<TFloat32> total = tf.math.add(tf.math.add(fuse, prm),
        tf.math.mul(tf.constant(config.getSepWeight()), sepTotal));
    if (!kl.isEmpty()) {
      Operand<TFloat32> klTotal = weightedSum(tf, kl, beta, null);
      scalars.put("kl", klTotal);
      total = tf.math.add(total, tf.math.mul(tf.constant(config.getKdWeight()), klTotal));
    }
    if (terms.proto() && !proto.isEmpty()) {
      Operand<TFloat32> protoTotal = weightedSum(tf, proto, null, gate);
      scalars.put("proto", protoTotal);
      total = tf.math.add(total, tf.math.mul(tf.constant(config.getProtoWeight()), protoTotal));
    }
    if (config.getWarmupSteps() > 0) {
      Operand<TBool> warm = tf.math.less(inputs.step(), tf.constant((long) config.getWarmupSteps()));
      total = tf.select(warm, tf.math.mul(tf.constant(config.getSepWeight()), sepWarmup), total);
    }
    if (beta != null) {
      for (int m = 0; m < modalities.size(); m++) {
        scalars.put("imb_beta_" + modalities.get(m), tf.reshape(column(tf, tf.expandDims(beta, tf.constant(0)), m),
            tf.constant(new long[0])));
      }
    }
    if (!stepFlags.isEmpty()) {
      // The flags read the global step, which the optimizer update increments in place: tying
      // them to the loss computes them before any gradient, hence before the increment.
      total = tf.withControlDependencies(stepFlags).identity(total);
    }
    scalars.put("loss", total);
    return new Objective(total, scalars, stateUpdate);
  }

  @Override
  public StepBatchSource batches(TrainingData data, org.delineo.training.data.pipeline.LoaderPosition start) {
    SupervisedBatches inner = SupervisedBatches.training(data, start);
    // Only the main batches: the meta objective never reads the epoch-end feed.
    return adaptive && config.getBetaUpdateSteps() == 0 ? new EpochEndBatches(inner, EPOCH_END) : inner;
  }

  /** wCE + Dice on softmax(logits), per sample [N]. */
  private static Operand<TFloat32> segLoss(Ops tf, SoftmaxWeightedLoss ce, PrismDiceLoss dice,
      Operand<TFloat32> logits, Operand<TInt32> labels) {
    Operand<TFloat32> p = tf.nn.softmax(logits);
    return tf.math.add(ce.applyToLabels(tf, p, labels), dice.applyToLabels(tf, p, labels));
  }

  /** Σ_m factor_m · reduce_b(term_bm), where factor = β_m · g_m for the given (nullable) weights. */
  private Operand<TFloat32> weightedSum(Ops tf, List<Operand<TFloat32>> perModality,
      Operand<TFloat32> beta, Operand<TFloat32> gate) {
    Operand<TFloat32> total = tf.constant(0f);
    for (int m = 0; m < perModality.size(); m++) {
      Operand<TFloat32> term = reduce(tf, perModality.get(m));
      if (beta != null) {
        term = tf.math.mul(term, element(tf, beta, m));
      }
      if (gate != null) {
        term = tf.math.mul(term, element(tf, gate, m));
      }
      total = tf.math.add(total, term);
    }
    return total;
  }

  /** Sum (PASSION) or mean over the batch of a per-sample [N] term. */
  private Operand<TFloat32> reduce(Ops tf, Operand<TFloat32> perSample) {
    return config.getBatchReduction() == PrismConfig.BatchReduction.SUM
        ? tf.reduceSum(perSample, tf.constant(0))
        : tf.math.mean(perSample, tf.constant(0));
  }

  /** The static spatial sizes of {@code [N, spatial..., K]} (the PRM KL's up_op target). */
  private static long[] spatialSize(Operand<TFloat32> logits) {
    long[] size = new long[logits.shape().numDimensions() - 2];
    for (int i = 0; i < size.length; i++) {
      size[i] = logits.shape().get(i + 1);
    }
    return size;
  }

  /** Column m of [N, M] as [N]. */
  static Operand<TFloat32> column(Ops tf, Operand<TFloat32> matrix, int m) {
    return tf.reshape(tf.slice(matrix, tf.constant(new int[] {0, m}), tf.constant(new int[] {-1, 1})),
        tf.constant(new long[] {-1}));
  }

  /** Element m of a vector [M] as a scalar. */
  static Operand<TFloat32> element(Ops tf, Operand<TFloat32> vector, int m) {
    return tf.reshape(tf.slice(vector, tf.constant(new int[] {m}), tf.constant(new int[] {1})),
        tf.constant(new long[0]));
  }
}
