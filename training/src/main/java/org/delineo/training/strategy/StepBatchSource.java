package org.delineo.training.strategy;

import org.delineo.training.data.pipeline.LoaderPosition;

/**
 * The batches a strategy trains on, one {@link StepBatch} per iteration, with the position of its
 * primary loader (saved in checkpoints so a resumed run sees the same data).
 */
public interface StepBatchSource extends AutoCloseable {

  /** The next iteration's feeds (blocks until ready). */
  StepBatch next();

  /** Where the primary loader stands: the epoch and the batch within it that comes next. */
  LoaderPosition position();

  /** Share of the time since the last reset spent waiting for batches. */
  double waitFraction();

  /** Restarts the wait statistics (after warm-up). */
  void resetWaitStats();

  @Override
  void close();
}
