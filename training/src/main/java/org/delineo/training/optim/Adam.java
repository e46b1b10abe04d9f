package org.delineo.training.optim;

import java.util.ArrayList;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.ModelVariable;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;

/**
 * Adam, AdamW and AMSGrad with PyTorch's {@code torch.optim.Adam} / {@code AdamW} semantics. Per
 * variable p with gradient g (after clipping), decay wd and rate lr (after parameter groups), at
 * t = globalStep + 1:
 *
 * <pre>
 * Adam (L2):          g ← g + wd·p
 * AdamW (decoupled):  p ← p − lr·wd·p          (same read of p as the Adam step below)
 * m = β1·m + (1 − β1)·g
 * v = β2·v + (1 − β2)·g²
 * AMSGrad:            v_max = max(v_max, v), and v_max replaces v below
 * p −= (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + eps)
 * </pre>
 *
 * The bias corrections are computed from the global step inside the graph (in double): there are
 * no β-power variables, hence none of the framework Adam's race between their update and the apply.
 * Slots: {@code <var>.exp_avg}, {@code <var>.exp_avg_sq}, and with AMSGrad {@code <var>.max_exp_avg_sq}.
 */
public final class Adam extends AbstractOptimizer {
  /** Slot suffixes, as in PyTorch's optimizer state: first moment, second moment, AMSGrad maximum. */
  public static final String EXP_AVG_SLOT = "exp_avg";
  /** See {@link #EXP_AVG_SLOT}. */
  public static final String EXP_AVG_SQ_SLOT = "exp_avg_sq";
  /** See {@link #EXP_AVG_SLOT}. */
  public static final String MAX_EXP_AVG_SQ_SLOT = "max_exp_avg_sq";

  private final float beta1;
  private final float beta2;
  private final float eps;
  private final boolean amsgrad;
  private final boolean decoupled;

  /**
   * @param schedule the learning rate per step
   * @param beta1 first-moment decay in [0, 1)
   * @param beta2 second-moment decay in [0, 1)
   * @param eps added to the bias-corrected root of the second moment, >= 0
   * @param weightDecay decay coefficient, >= 0, applied as {@link ParameterGroup} describes
   * @param amsgrad use the running maximum of the second moment
   * @param decoupled AdamW: decay the weights directly instead of adding wd·p to the gradient
   * @param groups learning-rate and decay multipliers; first match wins; null or empty for none
   * @param clipNorm maximum global gradient norm, or null for no clipping
   */
  public Adam(
      LearningRateSchedule schedule,
      float beta1,
      float beta2,
      float eps,
      float weightDecay,
      boolean amsgrad,
      boolean decoupled,
      List<ParameterGroup> groups,
      Float clipNorm) {
    super(decoupled ? "adamw" : "adam", schedule, weightDecay, groups, clipNorm);
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
      throw new DelineoException("adam: betas must be in [0, 1), found (" + beta1 + ", " + beta2 + ")");
    }
    if (!Float.isFinite(eps) || eps < 0) {
      throw new DelineoException("adam: eps must be finite and >= 0, found " + eps);
    }
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.amsgrad = amsgrad;
    this.decoupled = decoupled;
  }

  /** A builder for Adam with L2 decay, starting from PyTorch's defaults (betas 0.9/0.999, eps 1e-8, no decay). */
  public static Builder adam(LearningRateSchedule schedule) {
    return new Builder(schedule);
  }

  /** A builder for AdamW (decoupled decay {@code weightDecay}), otherwise PyTorch's defaults. */
  public static Builder adamW(LearningRateSchedule schedule, float weightDecay) {
    return new Builder(schedule).weightDecay(weightDecay).decoupled(true);
  }

  @Override
  List<Op> buildUpdates(
      GraphContext ctx, Ops tf, Ops writes, Operand<TInt64> step, List<VariableUpdate> updates) {
    Operand<TFloat64> t = tf.dtypes.cast(tf.math.add(step, tf.constant(1L)), TFloat64.class);
    Operand<TFloat32> biasCorrection1 = tf.dtypes.cast(oneMinusPower(tf, beta1, t), TFloat32.class);
    Operand<TFloat32> biasCorrection2Sqrt =
        tf.dtypes.cast(tf.math.sqrt(oneMinusPower(tf, beta2, t)), TFloat32.class);

    List<Op> ops = new ArrayList<>();
    for (VariableUpdate u : updates) {
      ModelVariable<TFloat32> var = u.variable();
      Operand<TFloat32> p = var.value();
      Operand<TFloat32> g = u.gradient();
      float wd = u.weightDecay();
      if (!decoupled && wd != 0f) {
        // After the backward pass (on `writes`), not holding a copy of every weight through it.
        g = tf.math.add(g, writes.math.mul(tf.constant(wd), p));
      }
      ModelVariable<TFloat32> m = slot(ctx, var, EXP_AVG_SLOT);
      ModelVariable<TFloat32> v = slot(ctx, var, EXP_AVG_SQ_SLOT);
      Operand<TFloat32> m1 =
          tf.math.add(tf.math.mul(tf.constant(beta1), m.value()), tf.math.mul(tf.constant(1f - beta1), g));
      Operand<TFloat32> v1 =
          tf.math.add(
              tf.math.mul(tf.constant(beta2), v.value()),
              tf.math.mul(tf.constant(1f - beta2), tf.math.square(g)));
      ops.add(writes.assign(m.ref(), m1));
      ops.add(writes.assign(v.ref(), v1));
      Operand<TFloat32> second = v1;
      if (amsgrad) {
        ModelVariable<TFloat32> vmax = slot(ctx, var, MAX_EXP_AVG_SQ_SLOT);
        second = tf.math.maximum(vmax.value(), v1);
        ops.add(writes.assign(vmax.ref(), second));
      }
      Operand<TFloat32> denom =
          tf.math.add(tf.math.div(tf.math.sqrt(second), biasCorrection2Sqrt), tf.constant(eps));
      Operand<TFloat32> stepSize = tf.math.div(u.lr(), biasCorrection1);
      Operand<TFloat32> base = p;
      if (decoupled && wd != 0f) {
        base = tf.math.mul(p, tf.math.sub(tf.constant(1f), tf.math.mul(u.lr(), tf.constant(wd))));
      }
      Operand<TFloat32> updated = tf.math.sub(base, tf.math.mul(stepSize, tf.math.div(m1, denom)));
      ops.add(writes.assign(var.ref(), updated));
    }
    return ops;
  }

  /** 1 − β^t in double. */
  private static Operand<TFloat64> oneMinusPower(Ops tf, float beta, Operand<TFloat64> t) {
    return tf.math.sub(tf.constant(1.0), tf.math.pow(tf.constant((double) beta), t));
  }

  /** Readable construction of {@link Adam}; unset fields keep PyTorch's defaults. */
  public static final class Builder {
    private final LearningRateSchedule schedule;
    private float beta1 = 0.9f;
    private float beta2 = 0.999f;
    private float eps = 1e-8f;
    private float weightDecay = 0f;
    private boolean amsgrad = false;
    private boolean decoupled = false;
    private List<ParameterGroup> groups = List.of();
    private Float clipNorm = null;

    private Builder(LearningRateSchedule schedule) {
      this.schedule = schedule;
    }

    public Builder betas(float beta1, float beta2) {
      this.beta1 = beta1;
      this.beta2 = beta2;
      return this;
    }

    public Builder eps(float eps) {
      this.eps = eps;
      return this;
    }

    public Builder weightDecay(float weightDecay) {
      this.weightDecay = weightDecay;
      return this;
    }

    public Builder amsgrad(boolean amsgrad) {
      this.amsgrad = amsgrad;
      return this;
    }

    /** True for AdamW's decoupled decay, false for L2 decay added to the gradient. */
    public Builder decoupled(boolean decoupled) {
      this.decoupled = decoupled;
      return this;
    }

    public Builder groups(List<ParameterGroup> groups) {
      this.groups = groups;
      return this;
    }

    /** Maximum global gradient norm, or null for no clipping. */
    public Builder clipNorm(Float clipNorm) {
      this.clipNorm = clipNorm;
      return this;
    }

    public Adam build() {
      return new Adam(schedule, beta1, beta2, eps, weightDecay, amsgrad, decoupled, groups, clipNorm);
    }
  }
}
