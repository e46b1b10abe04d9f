package org.delineo.serving;

import org.delineo.graph.DelineoException;

/**
 * TF Serving's server-side batching settings ({@code --enable_batching
 * --batching_parameters_file}), written by {@link ServingConfigWriter}. Guidance
 * (serving-and-ecosystem.md §1.7): a timeout around 1000 µs smooths batch sizes at low load;
 * for online serving keep {@code maxEnqueuedBatches} near {@code numBatchThreads}.
 *
 * @param maxBatchSize the largest batch the scheduler forms, >= 1
 * @param batchTimeoutMicros how long a request waits for others before a partial batch runs, >= 0
 * @param numBatchThreads threads running batches, >= 1
 * @param maxEnqueuedBatches queue length in batches before requests are rejected, >= 1
 */
public record BatchingOptions(
    long maxBatchSize, long batchTimeoutMicros, long numBatchThreads, long maxEnqueuedBatches) {

  public BatchingOptions {
    check("max_batch_size", maxBatchSize, 1);
    check("batch_timeout_micros", batchTimeoutMicros, 0);
    check("num_batch_threads", numBatchThreads, 1);
    check("max_enqueued_batches", maxEnqueuedBatches, 1);
  }

  private static void check(String name, long value, long min) {
    if (value < min) {
      throw new DelineoException(
          "batching parameter " + name + ": expected >= " + min + ", found " + value);
    }
  }
}
