package org.delineo.graph;

/** The purpose a graph is built for; decides batch-norm statistics, dropout and what gets built. */
public enum Mode {
  /** Training step: batch statistics, stochastic regularisers active, update ops collected. */
  TRAIN,
  /** Evaluation: moving statistics, no stochastic regularisers. */
  EVAL,
  /** Inference for export and prediction: as EVAL, and no loss or optimizer is built. */
  PREDICT;

  /** True when stochastic layers are active and batch statistics are used. */
  public boolean isTraining() {
    return this == TRAIN;
  }
}
