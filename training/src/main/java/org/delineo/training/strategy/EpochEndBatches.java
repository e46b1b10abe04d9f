package org.delineo.training.strategy;

import java.util.Map;
import org.delineo.training.data.pipeline.LoaderPosition;

/**
 * Another source's batches plus a scalar bool feed that is true on the last batch of each epoch:
 * how per-epoch graph updates (PRISM's imb_beta) learn where epochs end.
 */
public final class EpochEndBatches implements StepBatchSource {
  private final StepBatchSource inner;
  private final String feed;

  public EpochEndBatches(StepBatchSource inner, String feed) {
    this.inner = inner;
    this.feed = feed;
  }

  @Override
  public StepBatch next() {
    StepBatch batch = inner.next();
    // The loader has moved on to batch 0 of the next epoch exactly when this one was the last.
    boolean end = inner.position().batch() == 0;
    return batch.with(Map.of(feed, FeedArray.of(new boolean[] {end})));
  }

  @Override
  public LoaderPosition position() {
    return inner.position();
  }

  @Override
  public double waitFraction() {
    return inner.waitFraction();
  }

  @Override
  public void resetWaitStats() {
    inner.resetWaitStats();
  }

  @Override
  public void close() {
    inner.close();
  }
}
