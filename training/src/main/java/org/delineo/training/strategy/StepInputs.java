package org.delineo.training.strategy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.pipeline.InputNormalization;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Split;
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
 *
 * <p>A data-parallel step gives each tower a view ({@link #tower}) over the same placeholders: every
 * input with a batch axis (images, labels, modality masks, non-scalar floats) is then the tower's
 * slice of the fed global batch, and scalar inputs are shared. So a strategy's objective trains one
 * tower without knowing it is one, and the sources keep feeding the whole batch under the same names.
 */
public final class StepInputs {
  /** Name of the labelled image batch. */
  public static final String IMAGE = "image";
  /** Name of the labels of {@link #IMAGE}. */
  public static final String LABELS = "labels";
  /** Name of the modality availability of {@link #IMAGE}. */
  public static final String MODALITY_MASK = "modality_mask";
  /**
   * Where the fed batch is split into the towers' slices: the host, so that each device receives
   * only its slice of the fed tensor rather than the whole batch.
   */
  private static final DeviceSpec HOST =
      DeviceSpec.newBuilder().deviceType(DeviceSpec.DeviceType.CPU).deviceIndex(0).build();

  private final Ops root;
  private final Ops tf;
  private final InputNormalization normalization;
  private final int spatialRank;
  private final int channels;
  private final boolean modalityMasked;
  private final Operand<TInt64> step;
  private final String prefix;
  private final Map<String, Placeholder<?>> placeholders;
  private final Map<String, Operand<?>> operands;
  private final Map<String, Split<?>> splits;
  private final int tower;
  private final int towers;

  /**
   * @param spatialRank 2 for images, 3 for volumes
   * @param channels input channels (modalities for volumes)
   * @param modalityMasked whether samples carry a modality availability mask (multi-modal models)
   * @param step the global step before this update
   */
  public StepInputs(Ops tf, InputNormalization normalization, int spatialRank, int channels,
      boolean modalityMasked, Operand<TInt64> step) {
    this.root = tf;
    this.tf = tf;
    this.normalization = normalization;
    this.spatialRank = spatialRank;
    this.channels = channels;
    this.modalityMasked = modalityMasked;
    this.step = step;
    this.prefix = "";
    this.placeholders = new LinkedHashMap<>();
    this.operands = new LinkedHashMap<>();
    this.splits = new LinkedHashMap<>();
    this.tower = 0;
    this.towers = 1;
  }

  /**
   * A view of {@code base}: its placeholders and splits, under names starting with {@code prefix},
   * building with {@code tf}; it shares {@code base}'s operands when it views the same batch slice.
   */
  private StepInputs(StepInputs base, String prefix, Ops tf, int tower, int towers, boolean sameSlice) {
    this.root = base.root;
    this.tf = tf;
    this.normalization = base.normalization;
    this.spatialRank = base.spatialRank;
    this.channels = base.channels;
    this.modalityMasked = base.modalityMasked;
    this.step = base.step;
    this.prefix = base.prefix + prefix;
    this.placeholders = base.placeholders;
    this.operands = sameSlice ? base.operands : new LinkedHashMap<>();
    this.splits = base.splits;
    this.tower = tower;
    this.towers = towers;
  }

  /**
   * The same kind of inputs under names starting with {@code prefix} (e.g. {@code meta_image}),
   * sharing this object's placeholders: how a wrapper strategy applies an inner objective to a
   * second batch.
   */
  public StepInputs prefixed(String prefix) {
    return new StepInputs(this, prefix, tf, tower, towers, true);
  }

  /**
   * Tower {@code index} of {@code count} of a data-parallel step: the same inputs (same feed names,
   * same placeholders), each batch input being slice {@code index} of {@code count} equal slices of
   * the fed batch along its first axis, and the ops derived from it (the slice's normalisation)
   * built with {@code tf}, the tower's device. The fed batch is split once on the host for all
   * towers, and a batch that does not divide evenly fails the step ({@code data.batch_size} is
   * validated to divide).
   *
   * @throws DelineoException when this is already a tower view, or {@code index} is outside
   *     [0, count)
   */
  public StepInputs tower(Ops tf, int index, int count) {
    if (towers != 1) {
      throw new DelineoException("step inputs: already tower " + tower + " of " + towers
          + "; expected a view of the whole batch to take tower " + index + " of");
    }
    if (count < 1 || index < 0 || index >= count) {
      throw new DelineoException("step inputs: expected a tower index in [0, " + count + "), found " + index);
    }
    return new StepInputs(this, "", tf, index, count, false);
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
        slice(n, placeholder(n, TFloat32.class, spatial(channels)))));
  }

  /**
   * A raw float input fed under {@code name} with the given static shape (-1 = any); in a tower
   * view a non-scalar one is a batch (sliced along its first axis), a scalar one is shared.
   */
  @SuppressWarnings("unchecked")
  public Operand<TFloat32> floats(String name, Shape shape) {
    return (Operand<TFloat32>) operands.computeIfAbsent(prefix + name, n -> {
      Placeholder<TFloat32> p = placeholder(n, TFloat32.class, shape);
      return shape.numDimensions() == 0 ? p : slice(n, p);
    });
  }

  /** A label batch fed under {@code name}, {@code [N, (D,) H, W]}. */
  @SuppressWarnings("unchecked")
  public Operand<TInt32> labels(String name) {
    return (Operand<TInt32>) operands.computeIfAbsent(prefix + name,
        n -> slice(n, placeholder(n, TInt32.class, spatial(-1).take(spatialRank + 1))));
  }

  /** A modality availability batch {@code [N, M]} fed under {@code name}. */
  @SuppressWarnings("unchecked")
  public Operand<TBool> modalityMask(String name) {
    return (Operand<TBool>) operands.computeIfAbsent(prefix + name,
        n -> slice(n, placeholder(n, TBool.class, Shape.of(-1, channels))));
  }

  /** A scalar bool fed under {@code name} (e.g. whether the batch ends an epoch), shared by every tower. */
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

  /** The placeholder {@code name}, created on first request (by any view) at the graph root. */
  @SuppressWarnings("unchecked")
  private <T extends TType> Placeholder<T> placeholder(String name, Class<T> type, Shape shape) {
    Placeholder<?> existing = placeholders.get(name);
    if (existing != null) {
      // Shape.equals is false for any unknown dimension, hence the arrays.
      if (existing.type() != type || !java.util.Arrays.equals(existing.shape().asArray(), shape.asArray())) {
        throw new DelineoException("step input '" + name + "' requested with two different kinds");
      }
      return (Placeholder<T>) existing;
    }
    Placeholder<T> p = root.withName(name).placeholder(type, Placeholder.shape(shape));
    placeholders.put(name, p);
    return p;
  }

  /**
   * {@code whole} itself for the whole batch, else this tower's slice of it: output {@code tower} of
   * one split of the fed batch into {@code towers} parts, made on the host by the first tower that
   * asks and shared with the others.
   */
  @SuppressWarnings("unchecked")
  private <T extends TType> Operand<T> slice(String name, Placeholder<T> whole) {
    if (towers == 1) {
      return whole;
    }
    Split<T> split = (Split<T>) splits.computeIfAbsent(name, n -> {
      Ops host = root.withDevice(HOST).withSubScope(n + "_towers");
      return host.split(host.constant(0), whole, (long) towers);
    });
    if (split.output().size() != towers) {
      throw new DelineoException("step input '" + name + "' is split into " + split.output().size()
          + " towers; expected " + towers);
    }
    return split.output().get(tower);
  }

  private Shape spatial(long last) {
    long[] dims = new long[spatialRank + 2];
    java.util.Arrays.fill(dims, -1);
    dims[dims.length - 1] = last;
    return Shape.of(dims);
  }
}
