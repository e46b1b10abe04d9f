package org.delineo.training.strategy;

import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.VariableKind;
import org.delineo.proto.PrismConfig;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * PASSION's adaptive modality weights as graph state (reference-methods.md §4.9): {@code imb_beta}
 * (one weight per modality, 1 at the start) and the per-batch relative-preference gate. The mean
 * prototype distance of every modality is accumulated over an epoch; at its end
 * rp_m = (mean_m' d̄ − d̄_m) / mean_m' d̄, β ← clamp(β − η·rp, β_min, β_max), β ← 2β / ‖β‖₂, and η
 * grows by {@code beta_eta_growth} every {@code beta_eta_growth_updates} updates. The state lives
 * in checkpointed STATE variables, so a resumed run continues with the same weights.
 */
final class ImbalanceWeights {
  private final PrismConfig config;
  private final ModelVariable<TFloat32> beta;
  private final ModelVariable<TFloat32> distSum;
  private final ModelVariable<TFloat32> distCount;
  private final ModelVariable<TFloat32> eta;
  private final ModelVariable<TFloat32> updates;

  private ImbalanceWeights(PrismConfig config, ModelVariable<TFloat32> beta, ModelVariable<TFloat32> distSum,
      ModelVariable<TFloat32> distCount, ModelVariable<TFloat32> eta, ModelVariable<TFloat32> updates) {
    this.config = config;
    this.beta = beta;
    this.distSum = distSum;
    this.distCount = distCount;
    this.eta = eta;
    this.updates = updates;
  }

  static ImbalanceWeights create(GraphContext ctx, PrismConfig config, int modalities) {
    var store = ctx.variables();
    Shape m = Shape.of(modalities);
    return new ImbalanceWeights(config,
        store.getOrCreate("prism.imb_beta", m, TFloat32.class, VariableKind.STATE, t -> t.fill(t.constant(new int[] {modalities}), t.constant(1f))),
        store.getOrCreate("prism.dist_sum", m, TFloat32.class, VariableKind.STATE, t -> t.zeros(t.constant(new int[] {modalities}), TFloat32.class)),
        store.getOrCreate("prism.dist_count", m, TFloat32.class, VariableKind.STATE, t -> t.zeros(t.constant(new int[] {modalities}), TFloat32.class)),
        store.getOrCreate("prism.beta_eta", Shape.scalar(), TFloat32.class, VariableKind.STATE, t -> t.constant(config.getBetaEta())),
        store.getOrCreate("prism.beta_updates", Shape.scalar(), TFloat32.class, VariableKind.STATE, t -> t.constant(0f)));
  }

  /** The current β [M]. */
  Operand<TFloat32> beta() {
    return beta.value();
  }

  /**
   * The gate [M]: 1 where Σ_b a_bm · (d_bm / mean of d_b over its available modalities − 1) > 0,
   * i.e. for modalities the students of this batch distil worse than average.
   */
  Operand<TFloat32> relativePreferenceGate(Ops tf, Operand<TFloat32> dist, Operand<TFloat32> available) {
    Operand<TFloat32> meanAvailable = tf.math.divNoNan(
        tf.reduceSum(tf.math.mul(dist, available), tf.constant(1), org.tensorflow.op.core.ReduceSum.keepDims(true)),
        tf.reduceSum(available, tf.constant(1), org.tensorflow.op.core.ReduceSum.keepDims(true)));
    Operand<TFloat32> relative = tf.math.mul(available,
        tf.math.sub(tf.math.divNoNan(dist, meanAvailable), tf.constant(1f)));
    Operand<TFloat32> r = tf.reduceSum(relative, tf.constant(0));
    return tf.stopGradient(tf.dtypes.cast(tf.math.greater(r, tf.constant(0f)), TFloat32.class));
  }

  /**
   * Accumulates this batch's distances; when {@code epochEnd}, resets the sums and, if also
   * {@code afterWarmup}, updates β and η (PASSION adapts β only after the warm-up epochs, so the
   * warm-up epochs' distances are discarded rather than carried into the first update).
   *
   * @param tf builds the ops, e.g. under a control dependency on the optimizer update
   * @param afterWarmup whether the warm-up is over, or null when there is none
   */
  Op update(Ops tf, Operand<TFloat32> dist, Operand<TFloat32> available, Operand<TBool> epochEnd,
      Operand<TBool> afterWarmup) {
    Operand<TBool> adapt = afterWarmup == null ? epochEnd : tf.math.logicalAnd(epochEnd, afterWarmup);
    Operand<TFloat32> sum = tf.identity(tf.assignAdd(distSum.ref(),
        tf.reduceSum(tf.math.mul(dist, available), tf.constant(0))));
    Operand<TFloat32> count = tf.identity(tf.assignAdd(distCount.ref(), tf.reduceSum(available, tf.constant(0))));
    Operand<TFloat32> present = tf.dtypes.cast(tf.math.greater(count, tf.constant(0f)), TFloat32.class);
    Operand<TFloat32> mean = tf.math.divNoNan(sum, count);
    Operand<TFloat32> overall = tf.math.divNoNan(tf.reduceSum(tf.math.mul(mean, present), tf.constant(0)),
        tf.reduceSum(present, tf.constant(0)));
    Operand<TFloat32> rp = tf.math.mul(present, tf.math.divNoNan(tf.math.sub(overall, mean), overall));
    Operand<TFloat32> clamped = tf.clipByValue(tf.math.sub(beta.value(), tf.math.mul(eta.value(), rp)),
        tf.constant(config.getBetaMin()), tf.constant(config.getBetaMax()));
    Operand<TFloat32> normalised = tf.math.div(tf.math.mul(tf.constant(2f), clamped),
        tf.math.sqrt(tf.reduceSum(tf.math.square(clamped), tf.constant(0))));
    Operand<TFloat32> newUpdates = tf.select(adapt, tf.math.add(updates.value(), tf.constant(1f)), updates.value());
    Operand<TBool> grow = tf.math.logicalAnd(adapt, tf.math.equal(
        tf.math.floorMod(newUpdates, tf.constant((float) config.getBetaEtaGrowthUpdates())), tf.constant(0f)));
    Op setBeta = tf.assign(beta.ref(), tf.select(adapt, normalised, beta.value()));
    Ops after = tf.withControlDependencies(List.of(setBeta));
    return tf.withControlDependencies(List.of(
        after.assign(distSum.ref(), after.select(epochEnd, after.zerosLike(sum), sum)),
        after.assign(distCount.ref(), after.select(epochEnd, after.zerosLike(count), count)),
        after.assign(eta.ref(), after.select(grow, after.math.mul(eta.value(), after.constant(config.getBetaEtaGrowth())), eta.value())),
        after.assign(updates.ref(), newUpdates))).noOp();
  }
}
