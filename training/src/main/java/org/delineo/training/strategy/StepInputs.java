package org.delineo.training.strategy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.pipeline.InputNormalization;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * The inputs of a training step, created on demand by the strategy that needs them: each call
 * makes (once per name) a placeholder named after the input, and the strategy's
 * {@link StepBatchSource} feeds values under the same name. Images are normalised in the graph,
 * so sources feed raw intensities.
 */
public final class StepInputs {
  /** Name of the labelled image batch. */
  public static final String IMAGE = "image";
  /** Name of the labels of {@link #IMAGE}. */
  public static final String LABELS = "labels";
  /** Name of the modality availability of {@link #IMAGE}. */
  public static final String MODALITY_MASK = "modality_mask";

  private final Ops tf;
  private final InputNormalization normalization;
  private final int spatialRank;
  private final int channels;
  private final boolean modalityMasked;
  private final Operand<TInt64> step;
  private final String prefix;
  private final Map<String, Placeholder<?>> placeholders;
  private final Map<String, Operand<?>> operands;

  /**
   * @param spatialRank 2 for images, 3 for volumes
   * @param channels input channels (modalities for volumes)
   * @param modalityMasked whether samples carry a modality availability mask (multi-modal models)
   * @param step the global step before this update
   */
  public StepInputs(Ops tf, InputNormalization normalization, int spatialRank, int channels,
      boolean modalityMasked, Operand<TInt64> step) {
    this.tf = tf;
    this.normalization = normalization;
    this.spatialRank = spatialRank;
    this.channels = channels;
    this.modalityMasked = modalityMasked;
    this.step = step;
    this.prefix = "";
    this.placeholders = new LinkedHashMap<>();
    this.operands = new LinkedHashMap<>();
  }

  private StepInputs(StepInputs base, String prefix) {
    this.tf = base.tf;
    this.normalization = base.normalization;
    this.spatialRank = base.spatialRank;
    this.channels = base.channels;
    this.modalityMasked = base.modalityMasked;
    this.step = base.step;
    this.prefix = base.prefix + prefix;
    this.placeholders = base.placeholders;
    this.operands = base.operands;
  }

  /**
   * The same kind of inputs under names starting with {@code prefix} (e.g. {@code meta_image}),
   * sharing this object's placeholders: how a wrapper strategy applies an inner objective to a
   * second batch.
   */
  public StepInputs prefixed(String prefix) {
    return new StepInputs(this, prefix);
  }

  /** The normalised labelled images {@code [N, (D,) H, W, C]}. */
  public Operand<TFloat32> image() {
    return image(IMAGE);
  }

  /** The class ids of {@link #image()}, {@code [N, (D,) H, W]}. */
  public Operand<TInt32> labels() {
    return labels(LABELS);
  }

  /** The modality availability {@code [N, M]} of {@link #image()}, or null for single-modality data. */
  public Operand<TBool> modalityMask() {
    return modalityMasked ? modalityMask(MODALITY_MASK) : null;
  }

  /** A normalised image batch fed under {@code name}. */
  @SuppressWarnings("unchecked")
  public Operand<TFloat32> image(String name) {
    return (Operand<TFloat32>) operands.computeIfAbsent(prefix + name, n -> normalization.apply(tf,
        placeholder(n, TFloat32.class, spatial(channels))));
  }

  /** A raw float input fed under {@code name} with the given static shape (-1 = any). */
  @SuppressWarnings("unchecked")
  public Operand<TFloat32> floats(String name, Shape shape) {
    return (Operand<TFloat32>) operands.computeIfAbsent(prefix + name, n -> placeholder(n, TFloat32.class, shape));
  }

  /** A label batch fed under {@code name}, {@code [N, (D,) H, W]}. */
  @SuppressWarnings("unchecked")
  public Operand<TInt32> labels(String name) {
    return (Operand<TInt32>) operands.computeIfAbsent(prefix + name,
        n -> placeholder(n, TInt32.class, spatial(-1).take(spatialRank + 1)));
  }

  /** A modality availability batch {@code [N, M]} fed under {@code name}. */
  @SuppressWarnings("unchecked")
  public Operand<TBool> modalityMask(String name) {
    return (Operand<TBool>) operands.computeIfAbsent(prefix + name,
        n -> placeholder(n, TBool.class, Shape.of(-1, channels)));
  }

  /** A scalar bool fed under {@code name} (e.g. whether the batch ends an epoch). */
  @SuppressWarnings("unchecked")
  public Operand<TBool> bool(String name) {
    return (Operand<TBool>) operands.computeIfAbsent(prefix + name, n -> placeholder(n, TBool.class, Shape.scalar()));
  }

  /** The global step before this update, for step-dependent weights. */
  public Operand<TInt64> step() {
    return step;
  }

  /** Whether samples carry modality masks. */
  public boolean modalityMasked() {
    return modalityMasked;
  }

  /** Every placeholder created so far, by feed name. */
  public Map<String, Placeholder<?>> placeholders() {
    return Collections.unmodifiableMap(placeholders);
  }

  private <T extends TType> Placeholder<T> placeholder(String name, Class<T> type, Shape shape) {
    if (placeholders.containsKey(name)) {
      throw new DelineoException("step input '" + name + "' requested with two different kinds");
    }
    Placeholder<T> p = tf.withName(name).placeholder(type, Placeholder.shape(shape));
    placeholders.put(name, p);
    return p;
  }

  private Shape spatial(long last) {
    long[] dims = new long[spatialRank + 2];
    java.util.Arrays.fill(dims, -1);
    dims[dims.length - 1] = last;
    return Shape.of(dims);
  }
}
