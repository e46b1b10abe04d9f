package org.delineo.training.optim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.VariableKind;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.SwitchCond;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Dynamic loss scaling around another optimizer, for float16 compute ({@code runtime.precision:
 * FP16}), built in the graph: the loss is multiplied by the scale s before differentiation, so small
 * float16 gradients do not flush to zero, and the gradients are divided by s before the update.
 *
 * <ul>
 *   <li>s = 2^e, with the exponent e an int64 variable {@value #EXPONENT} starting at
 *       {@value #INITIAL_EXPONENT}; a power of two scales and unscales float values exactly, so with
 *       finite gradients the update is the unscaled optimizer's;
 *   <li>when any gradient holds an inf or NaN the whole update is skipped (no variable and no
 *       optimizer slot is written), e drops by one (s halves, never below 1) and the count of finite
 *       steps in a row ({@value #GOOD_STEPS}) restarts at 0;
 *   <li>after {@code growthInterval} finite steps in a row (2000 in training) e rises by one and
 *       the count restarts.
 * </ul>
 *
 * <p>A skipped step still advances the {@link GlobalStep}, as TF/Keras's {@code LossScaleOptimizer}
 * counts it: the step counter stays the trainer's iteration count, so the schedule, the dropout
 * keys, the data position and the checkpoints' step agree whether or not a step was skipped. Both
 * variables are ordinary graph variables, saved in every checkpoint, so a resumed run continues
 * with the scale it stopped at. Integers rather than a float scale also keep them out of the model
 * weights that {@code init_checkpoint} loads.
 *
 * <p>The skip is TensorFlow's graph control flow: each gradient passes a {@code Switch} on
 * "all finite", so every write downstream of it is dead (not executed) on a non-finite step.
 * Only {@link #minimize} scales; gradients built elsewhere cannot be scaled after the fact, so
 * {@link #applyGradients} refuses them (Meta-Drop, which builds its own, is refused with FP16).
 */
public final class DynamicLossScale implements Optimizer {
  /** The int64 variable holding log2 of the scale. */
  public static final String EXPONENT = "loss_scale.exponent";
  /** The int64 variable counting finite steps since the scale last changed. */
  public static final String GOOD_STEPS = "loss_scale.good_steps";
  /** The name of the logged scalar: the scale this step's gradients used. */
  public static final String SCALAR = "loss_scale";
  /** log2 of the first scale, 2^15 (as PyTorch's GradScaler and Keras). */
  public static final int INITIAL_EXPONENT = 15;
  /** Finite steps in a row after which the scale doubles (PyTorch's and Keras's default). */
  public static final int GROWTH_INTERVAL = 2000;
  /** 2^127 is the largest power of two a float32 holds. */
  private static final int MAX_EXPONENT = 127;
  /** IEEE-754 single precision: exponent bias and mantissa width. */
  private static final int FLOAT_EXPONENT_BIAS = 127;
  private static final int FLOAT_MANTISSA_BITS = 23;

  private final Optimizer inner;
  private final int growthInterval;
  /** The logged scale of the step built in each graph (an optimizer may serve several graphs). */
  private final Map<Graph, Operand<TFloat32>> scaleUsed = new WeakHashMap<>();

  /** Scales the loss for {@code inner}, doubling the scale after {@value #GROWTH_INTERVAL} finite steps. */
  public DynamicLossScale(Optimizer inner) {
    this(inner, GROWTH_INTERVAL);
  }

  /** As {@link #DynamicLossScale(Optimizer)} with another growth interval (tests use 2). */
  DynamicLossScale(Optimizer inner, int growthInterval) {
    if (inner == null) {
      throw new DelineoException("loss scaling: an optimizer to wrap is required, found null");
    }
    if (growthInterval < 1) {
      throw new DelineoException("loss scaling: the growth interval must be >= 1, found " + growthInterval);
    }
    this.inner = inner;
    this.growthInterval = growthInterval;
  }

  /** The wrapped optimizer. */
  public Optimizer inner() {
    return inner;
  }

  /**
   * Differentiates loss × s, divides the gradients by s, and applies them with the wrapped
   * optimizer when all are finite; updates the scale either way, then advances the global step.
   */
  @Override
  public Op minimize(GraphContext ctx, Operand<TFloat32> loss, List<ModelVariable<TFloat32>> vars) {
    Ops tf = ctx.tf().withSubScope("loss_scale");
    ModelVariable<TInt64> exponent = ctx.variables().getOrCreate(EXPONENT, Shape.scalar(), TInt64.class,
        VariableKind.STATE, init -> init.constant((long) INITIAL_EXPONENT));
    ModelVariable<TInt64> goodSteps = ctx.variables().getOrCreate(GOOD_STEPS, Shape.scalar(), TInt64.class,
        VariableKind.STATE, init -> init.constant(0L));
    // Every read of the two variables feeds the values written back below, so the writes (in place)
    // come after all reads.
    Operand<TInt64> e = exponent.value();
    Operand<TFloat32> scale = powerOfTwo(tf, e);
    scaleUsed.put(ctx.graph(), scale);

    List<Gradient> unscaled = new ArrayList<>();
    for (Gradient g : Gradients.of(ctx, tf.math.mul(loss, scale), vars)) {
      unscaled.add(new Gradient(g.variable(), tf.math.div(g.value(), scale)));
    }
    Operand<TBool> finite = allFinite(tf, unscaled);

    // The update sees the gradients only through the true side of a Switch: on a non-finite step
    // its inputs are dead, and so is every write that depends on them.
    List<Gradient> gated = new ArrayList<>();
    for (Gradient g : unscaled) {
      gated.add(new Gradient(g.variable(), tf.switchCond(g.value(), finite).outputTrue()));
    }
    Op applied = inner.applyGradients(ctx, gated, false);
    SwitchCond<TBool> branch = tf.switchCond(finite, finite);
    Operand<TBool> afterUpdate = tf.withControlDependencies(List.of(applied)).identity(branch.outputTrue());
    Operand<TBool> skipped = tf.identity(branch.outputFalse());
    // Live on either side: after the writes when they ran, at once when they were skipped.
    Op settled = tf.merge(List.of(afterUpdate, skipped));

    Operand<TInt64> one = tf.constant(1L);
    Operand<TInt64> streak = tf.select(finite, tf.math.add(goodSteps.value(), one), tf.constant(0L));
    Operand<TBool> grow = tf.math.logicalAnd(
        tf.math.greaterEqual(streak, tf.constant((long) growthInterval)),
        tf.math.less(e, tf.constant((long) MAX_EXPONENT)));
    Operand<TInt64> shrunk = tf.math.maximum(tf.math.sub(e, one), tf.constant(0L));
    Operand<TInt64> nextExponent = tf.select(grow, tf.math.add(e, one), tf.select(finite, e, shrunk));
    Operand<TInt64> nextStreak = tf.select(grow, tf.constant(0L), streak);
    Op writeExponent = tf.assign(exponent.ref(), nextExponent);
    Op writeStreak = tf.assign(goodSteps.ref(), nextStreak);

    Op increment = GlobalStep.of(ctx).increment(
        tf.withControlDependencies(List.of(settled, writeExponent, writeStreak)));
    return tf.withControlDependencies(List.of(increment)).withName("step").noOp();
  }

  /** Refused: gradients computed without the scaled loss cannot be unscaled or skipped consistently. */
  @Override
  public Op applyGradients(GraphContext ctx, List<Gradient> grads, boolean advanceStep) {
    throw new DelineoException("loss scaling applies only gradients it takes itself (minimize); found"
        + " gradients built elsewhere, which a float16 step cannot scale");
  }

  /** {@value #SCALAR}: the scale (2^e) the gradients of the step built in {@code ctx}'s graph used. */
  @Override
  public Map<String, Operand<TFloat32>> scalars(GraphContext ctx) {
    Operand<TFloat32> scale = scaleUsed.get(ctx.graph());
    return scale == null ? Map.of() : Map.of(SCALAR, scale);
  }

  /**
   * 2^e, exactly, for e in [0, 127]: the float32 whose biased exponent field is e + 127 and whose
   * mantissa is zero (TensorFlow's Pow computes through exp/log and need not be exact).
   */
  private static Operand<TFloat32> powerOfTwo(Ops tf, Operand<TInt64> e) {
    Operand<TInt32> biased = tf.math.add(tf.dtypes.cast(e, TInt32.class), tf.constant(FLOAT_EXPONENT_BIAS));
    return tf.bitcast(tf.math.mul(biased, tf.constant(1 << FLOAT_MANTISSA_BITS)), TFloat32.class);
  }

  /** True when no gradient holds an inf or NaN. */
  private static Operand<TBool> allFinite(Ops tf, List<Gradient> grads) {
    Operand<TInt32> everyAxis = tf.constant(0);
    List<Operand<TBool>> each = new ArrayList<>();
    for (Gradient g : grads) {
      Operand<TFloat32> flat = tf.reshape(g.value(), tf.constant(new long[] {-1}));
      each.add(tf.reduceAll(tf.math.isFinite(flat), everyAxis));
    }
    return tf.reduceAll(tf.stack(each), everyAxis);
  }
}
