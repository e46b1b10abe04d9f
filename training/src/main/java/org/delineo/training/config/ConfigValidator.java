package org.delineo.training.config;

import java.util.List;
import org.delineo.proto.AdamConfig;
import org.delineo.proto.AugmentationConfig;
import org.delineo.proto.DataConfig;
import org.delineo.proto.EvalConfig;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.FocalLossConfig;
import org.delineo.proto.LossConfig;
import org.delineo.proto.LossTermConfig;
import org.delineo.proto.OptimizerConfig;
import org.delineo.proto.ParameterGroupConfig;
import org.delineo.proto.PrismConfig;
import org.delineo.proto.RuntimeConfig;
import org.delineo.proto.StrongAugmentationConfig;

/**
 * Range checks over an {@link ExperimentConfig}: every numeric field with an obvious domain (sizes,
 * counts, intervals, probabilities, rates), and combinations of fields the config alone rules out
 * (e.g. {@code eval.all_modality_masks} without BraTS data). Run when a config is loaded, so that a bad value fails
 * in every command before anything is built or written, and the error names the field as a user
 * writes it in {@code --set} (e.g. {@code data.batch_size must be >= 1, found -4}) instead of the
 * class that would trip over it later.
 *
 * <p>Only the first problem is reported: fixing one field at a time keeps the message one line.
 * Cross-field rules that depend on the dataset (mean/std length against the channel count) stay
 * with the code that knows the dataset; this class checks what the config alone decides.
 */
public final class ConfigValidator {
  private ConfigValidator() {}

  /**
   * Checks every field with a domain.
   *
   * @throws ConfigException naming the first field out of its range, the range and the value
   */
  public static void validate(ExperimentConfig config) {
    model(config);
    data(config.getData());
    loss(config.getLoss());
    optimizer(config.getOptimizer());
    schedule(config);
    evaluation(config);
    strategy(config);
    var export = config.getExport();
    atLeast("export.warmup_requests", export.getWarmupRequests(), 0);
    atMost("export.warmup_requests", export.getWarmupRequests(), 1000);
    spatialSize("export.input_size", export.getInputSizeList(), config.getData().getLayout());
    var runtime = config.getRuntime();
    atLeast("runtime.intra_op_threads", runtime.getIntraOpThreads(), 0);
    atLeast("runtime.inter_op_threads", runtime.getInterOpThreads(), 0);
    if (runtime.getDeterministic() && runtime.getInterOpThreads() > 1) {
      throw new ConfigException("field 'runtime.inter_op_threads': expected 0 or 1 with runtime.deterministic"
          + " (ops then run one at a time, in one order), found " + runtime.getInterOpThreads());
    }
    atLeast("runtime.log_interval_steps", runtime.getLogIntervalSteps(), 0);
    precision(config);
    TowerRules.check(config);
  }

  /**
   * The precision modes that cannot do what they say: FP16 on the CPU (TensorFlow's float16
   * rewriter converts GPU ops only, and its CPU emulation aborts the process on max-pool graphs),
   * BF16 on the GPU (the bfloat16 rewriter converts CPU ops only), and FP16 with Meta-Drop (its
   * updates take gradients outside the optimizer step that scales the loss).
   */
  private static void precision(ExperimentConfig config) {
    RuntimeConfig runtime = config.getRuntime();
    RuntimeConfig.Precision precision = runtime.getPrecision();
    if (precision == RuntimeConfig.Precision.FP16 && runtime.getDevice() == RuntimeConfig.Device.CPU) {
      throw new ConfigException("field 'runtime.precision': expected FP32 or BF16 with runtime.device CPU"
          + " (TensorFlow converts only GPU ops to float16), found FP16");
    }
    if (precision == RuntimeConfig.Precision.BF16 && runtime.getDevice() == RuntimeConfig.Device.GPU) {
      throw new ConfigException("field 'runtime.precision': expected FP32 or FP16 with runtime.device GPU"
          + " (TensorFlow 2.18 converts only CPU ops to bfloat16), found BF16");
    }
    if (precision == RuntimeConfig.Precision.FP16 && config.getStrategy().hasMetaDrop()) {
      throw new ConfigException("field 'runtime.precision': expected FP32 or BF16 with strategy.meta_drop"
          + " (its inner and meta updates are not loss-scaled), found FP16");
    }
  }

  private static void model(ExperimentConfig config) {
    var model = config.getModel();
    atLeast("model.num_classes", model.getNumClasses(), 0);
    atLeast("model.in_channels", model.getInChannels(), 0);
  }

  private static void data(DataConfig data) {
    atLeast("data.num_workers", data.getNumWorkers(), 1);
    atLeast("data.prefetch", data.getPrefetch(), 1);
    atLeast("data.batch_size", data.getBatchSize(), 1);
    spatialSize("data.crop_size", data.getCropSizeList(), data.getLayout());
    if (data.getTestResizeCount() != 0 && data.getTestResizeCount() != 2) {
      throw new ConfigException("data.test_resize must have 2 values (H, W), found "
          + data.getTestResizeList());
    }
    eachAtLeast("data.test_resize", data.getTestResizeList(), 1);
    if (data.getMeanCount() != data.getStdCount()) {
      throw new ConfigException("data.mean and data.std must have the same length (one value per"
          + " channel), found " + data.getMeanCount() + " and " + data.getStdCount());
    }
    eachFinite("data.mean", data.getMeanList());
    for (int i = 0; i < data.getStdCount(); i++) {
      positive("data.std[" + i + "]", data.getStd(i));
    }
    augmentation(data.getAugmentation());
    if (!(data.getLabeledFraction() > 0 && data.getLabeledFraction() <= 1)) {
      throw new ConfigException("data.labeled_fraction must be in (0, 1], found "
          + data.getLabeledFraction());
    }
    atLeast("data.labeled_cases", data.getLabeledCases(), 0);
    atLeast("data.unlabeled_batch_size", data.getUnlabeledBatchSize(), 0);
  }

  /**
   * A size per spatial axis, in data.crop_size's order: empty (the default) or one positive value
   * per axis of the layout's samples.
   */
  private static void spatialSize(String field, List<Integer> values, DataConfig.Layout layout) {
    int axes = isVolumeLayout(layout) ? 3 : 2;
    if (!values.isEmpty() && values.size() != axes) {
      throw new ConfigException(field + " must have " + axes + " values ("
          + (axes == 3 ? "D, H, W" : "H, W") + ") for layout " + layout + ", found " + values);
    }
    eachAtLeast(field, values, 1);
  }

  /** Layouts whose training samples are volumes (the others train on 2D images or slices). */
  private static boolean isVolumeLayout(DataConfig.Layout layout) {
    return layout == DataConfig.Layout.BRATS || layout == DataConfig.Layout.SYNTHETIC_BRATS3D;
  }

  private static void augmentation(AugmentationConfig a) {
    probability("data.augmentation.flip_prob", a.getFlipProb());
    probability("data.augmentation.rot90_prob", a.getRot90Prob());
    nonNegative("data.augmentation.rotation_degrees", a.getRotationDegrees());
    probability("data.augmentation.rotation_prob", a.getRotationProb());
    positive("data.augmentation.scale_min", a.getScaleMin());
    finite("data.augmentation.scale_max", a.getScaleMax());
    if (a.getScaleMax() < a.getScaleMin()) {
      throw new ConfigException("data.augmentation.scale_max must be >= data.augmentation.scale_min ("
          + a.getScaleMin() + "), found " + a.getScaleMax());
    }
    if (!(a.getCatMaxRatio() > 0 && a.getCatMaxRatio() <= 1)) {
      throw new ConfigException("data.augmentation.cat_max_ratio must be in (0, 1], found "
          + a.getCatMaxRatio());
    }
    probability("data.augmentation.blur_prob", a.getBlurProb());
    nonNegative("data.augmentation.intensity_shift", a.getIntensityShift());
    nonNegative("data.augmentation.intensity_scale", a.getIntensityScale());
    StrongAugmentationConfig s = a.getStrong();
    String p = "data.augmentation.strong.";
    probability(p + "color_jitter_prob", s.getColorJitterProb());
    nonNegative(p + "brightness", s.getBrightness());
    nonNegative(p + "contrast", s.getContrast());
    nonNegative(p + "saturation", s.getSaturation());
    if (!(s.getHue() >= 0 && s.getHue() <= 0.5f)) {
      throw new ConfigException(p + "hue must be in [0, 0.5], found " + s.getHue());
    }
    probability(p + "blur_prob", s.getBlurProb());
    positive(p + "blur_sigma_min", s.getBlurSigmaMin());
    finite(p + "blur_sigma_max", s.getBlurSigmaMax());
    if (s.getBlurSigmaMax() < s.getBlurSigmaMin()) {
      throw new ConfigException(p + "blur_sigma_max must be >= " + p + "blur_sigma_min ("
          + s.getBlurSigmaMin() + "), found " + s.getBlurSigmaMax());
    }
    probability(p + "cutmix_prob", s.getCutmixProb());
    probability(p + "cutmix_area_min", s.getCutmixAreaMin());
    probability(p + "cutmix_area_max", s.getCutmixAreaMax());
    if (s.getCutmixAreaMax() < s.getCutmixAreaMin()) {
      throw new ConfigException(p + "cutmix_area_max must be >= " + p + "cutmix_area_min ("
          + s.getCutmixAreaMin() + "), found " + s.getCutmixAreaMax());
    }
    if (!(s.getCutmixAspectMin() > 0 && s.getCutmixAspectMin() <= 1)) {
      throw new ConfigException(p + "cutmix_aspect_min must be in (0, 1], found "
          + s.getCutmixAspectMin());
    }
  }

  private static void loss(LossConfig loss) {
    for (int i = 0; i < loss.getTermsCount(); i++) {
      term("loss.terms[" + i + "].", loss.getTerms(i));
    }
    for (int i = 0; i < loss.getAuxTermsCount(); i++) {
      term("loss.aux_terms[" + i + "].", loss.getAuxTerms(i));
    }
    finite("loss.aux_loss_weight", loss.getAuxLossWeight());
    finite("loss.aux_head_weight", loss.getAuxHeadWeight());
    if (!(loss.getOhem().getThresh() > 0 && loss.getOhem().getThresh() <= 1)) {
      throw new ConfigException("loss.ohem.thresh must be in (0, 1], found "
          + loss.getOhem().getThresh());
    }
    atLeast("loss.ohem.min_kept", loss.getOhem().getMinKept(), 0);
  }

  private static void term(String p, LossTermConfig t) {
    finite(p + "weight", t.getWeight());
    finite(p + "weight_schedule.end_weight", t.getWeightSchedule().getEndWeight());
    atLeast(p + "weight_schedule.steps", t.getWeightSchedule().getSteps(), 0);
    var ce = t.getCrossEntropy();
    eachNonNegative(p + "cross_entropy.class_weights", ce.getClassWeightsList());
    if (!(ce.getLabelSmoothing() >= 0 && ce.getLabelSmoothing() < 1)) {
      throw new ConfigException(p + "cross_entropy.label_smoothing must be in [0, 1), found "
          + ce.getLabelSmoothing());
    }
    focal(p + "focal.", t.getFocal());
    focal(p + "boundary_focal.focal.", t.getBoundaryFocal().getFocal());
    finite(p + "boundary_focal.boundary_weight", t.getBoundaryFocal().getBoundaryWeight());
    eachNonNegative(p + "lovasz.class_weights", t.getLovasz().getClassWeightsList());
    nonNegative(p + "dice.smooth", t.getDice().getSmooth());
    positive(p + "dice.exponent", t.getDice().getExponent());
  }

  private static void focal(String p, FocalLossConfig focal) {
    nonNegative(p + "gamma", focal.getGamma());
    probability(p + "alpha", focal.getAlpha());
  }

  private static void optimizer(OptimizerConfig o) {
    nonNegative("optimizer.lr", o.getLr());
    nonNegative("optimizer.weight_decay", o.getWeightDecay());
    nonNegative("optimizer.clip_grad_norm", o.getClipGradNorm());
    for (int i = 0; i < o.getParameterGroupsCount(); i++) {
      ParameterGroupConfig g = o.getParameterGroups(i);
      nonNegative("optimizer.parameter_groups[" + i + "].lr_mult", g.getLrMult());
      nonNegative("optimizer.parameter_groups[" + i + "].decay_mult", g.getDecayMult());
    }
    unitInterval("optimizer.sgd.momentum", o.getSgd().getMomentum());
    adam("optimizer.adam.", o.getAdam());
    adam("optimizer.adamw.", o.getAdamw());
  }

  private static void adam(String p, AdamConfig a) {
    unitInterval(p + "beta1", a.getBeta1());
    unitInterval(p + "beta2", a.getBeta2());
    positive(p + "epsilon", a.getEpsilon());
  }

  private static void schedule(ExperimentConfig config) {
    var s = config.getSchedule();
    atLeast("schedule.total_steps", s.getTotalSteps(), 1);
    atLeast("schedule.warmup_steps", s.getWarmupSteps(), 0);
    nonNegative("schedule.warmup_start_factor", s.getWarmupStartFactor());
    atLeast("schedule.update_interval_steps", s.getUpdateIntervalSteps(), 1);
    nonNegative("schedule.poly.power", s.getPoly().getPower());
    nonNegative("schedule.poly.min_lr", s.getPoly().getMinLr());
  }

  private static void evaluation(ExperimentConfig config) {
    var eval = config.getEval();
    atLeast("eval.interval_steps", eval.getIntervalSteps(), 0);
    atLeast("eval.max_cases", eval.getMaxCases(), 0);
    spatialSize("eval.window", eval.getWindowList(), config.getData().getLayout());
    spatialSize("eval.stride", eval.getStrideList(), config.getData().getLayout());
    if (eval.getAllModalityMasks() && !isVolumeLayout(config.getData().getLayout())) {
      throw new ConfigException("field 'eval.all_modality_masks': expected data.layout BRATS or SYNTHETIC_BRATS3D"
          + " (the 15 masks are subsets of BraTS's four modalities), found " + config.getData().getLayout());
    }
    if (eval.getAllModalityMasks() && eval.getMode() != EvalConfig.Mode.SLIDE) {
      throw new ConfigException("field 'eval.all_modality_masks': expected eval.mode SLIDE (the 15-mask protocol"
          + " slides windows over each volume), found " + eval.getMode());
    }
    var stop = config.getEarlyStopping();
    atLeast("early_stopping.patience", stop.getPatience(), 0);
    nonNegative("early_stopping.min_delta", stop.getMinDelta());
    var checkpoint = config.getCheckpoint();
    atLeast("checkpoint.interval_steps", checkpoint.getIntervalSteps(), 0);
    atLeast("checkpoint.keep_last", checkpoint.getKeepLast(), 0);
  }

  private static void strategy(ExperimentConfig config) {
    var strategy = config.getStrategy();
    prism("strategy.prism.", strategy.getPrism());
    var meta = strategy.getMetaDrop();
    finite("strategy.meta_drop.alpha", meta.getAlpha());
    nonNegative("strategy.meta_drop.meta_lr", meta.getMetaLr());
    atLeast("strategy.meta_drop.meta_batch_size", meta.getMetaBatchSize(), 1);
    prism("strategy.meta_drop.prism.", meta.getPrism());
    var semsim = strategy.getSemsim();
    String p = "strategy.semsim.";
    probability(p + "tau", semsim.getTau());
    finite(p + "lambda_s", semsim.getLambdaS());
    finite(p + "lambda_u", semsim.getLambdaU());
    finite(p + "lambda_intra", semsim.getLambdaIntra());
    finite(p + "lambda_cross", semsim.getLambdaCross());
    finite(p + "lambda_fp", semsim.getLambdaFp());
    nonNegative(p + "r", semsim.getR());
    atLeast(p + "sub_regions", semsim.getSubRegions(), 1);
    unitInterval(p + "fp_dropout", semsim.getFpDropout());
  }

  private static void prism(String p, PrismConfig prism) {
    positive(p + "temperature", prism.getTemperature());
    finite(p + "kd_weight", prism.getKdWeight());
    finite(p + "proto_weight", prism.getProtoWeight());
    finite(p + "sep_weight", prism.getSepWeight());
    finite(p + "prm_start_weight", prism.getPrmStartWeight());
    unitInterval(p + "prob_clamp", prism.getProbClamp());
    atLeast(p + "warmup_steps", prism.getWarmupSteps(), 0);
    atLeast(p + "beta_update_steps", prism.getBetaUpdateSteps(), 0);
    nonNegative(p + "beta_eta", prism.getBetaEta());
    positive(p + "beta_eta_growth", prism.getBetaEtaGrowth());
    atLeast(p + "beta_eta_growth_updates", prism.getBetaEtaGrowthUpdates(), 1);
    positive(p + "beta_min", prism.getBetaMin());
    if (!(prism.getBetaMax() >= prism.getBetaMin())) {
      throw new ConfigException(p + "beta_max must be >= " + p + "beta_min (" + prism.getBetaMin()
          + "), found " + prism.getBetaMax());
    }
  }

  private static void atLeast(String field, long value, long min) {
    if (value < min) {
      throw new ConfigException(field + " must be >= " + min + ", found " + value);
    }
  }

  private static void atMost(String field, long value, long max) {
    if (value > max) {
      throw new ConfigException(field + " must be <= " + max + ", found " + value);
    }
  }

  private static void eachAtLeast(String field, List<Integer> values, int min) {
    for (int i = 0; i < values.size(); i++) {
      atLeast(field + "[" + i + "]", values.get(i), min);
    }
  }

  private static void finite(String field, float value) {
    if (!Float.isFinite(value)) {
      throw new ConfigException(field + " must be a finite number, found " + value);
    }
  }

  private static void eachFinite(String field, List<Float> values) {
    for (int i = 0; i < values.size(); i++) {
      finite(field + "[" + i + "]", values.get(i));
    }
  }

  private static void nonNegative(String field, float value) {
    if (!(Float.isFinite(value) && value >= 0)) {
      throw new ConfigException(field + " must be a finite number >= 0, found " + value);
    }
  }

  private static void eachNonNegative(String field, List<Float> values) {
    for (int i = 0; i < values.size(); i++) {
      nonNegative(field + "[" + i + "]", values.get(i));
    }
  }

  private static void positive(String field, float value) {
    if (!(Float.isFinite(value) && value > 0)) {
      throw new ConfigException(field + " must be a finite number > 0, found " + value);
    }
  }

  /** A probability or fraction: [0, 1]. */
  private static void probability(String field, float value) {
    if (!(value >= 0 && value <= 1)) {
      throw new ConfigException(field + " must be in [0, 1], found " + value);
    }
  }

  /** A decay or dropout rate: [0, 1), since 1 would never forget (or drop everything). */
  private static void unitInterval(String field, float value) {
    if (!(value >= 0 && value < 1)) {
      throw new ConfigException(field + " must be in [0, 1), found " + value);
    }
  }
}
