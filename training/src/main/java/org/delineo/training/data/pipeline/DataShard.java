package org.delineo.training.data.pipeline;

import org.delineo.training.config.ConfigException;

/**
 * The part of every batch one of {@code count} data-parallel workers takes: the samples at
 * positions {@code index}, {@code index + count}, {@code index + 2 count}, ... of each batch of the
 * global order. The workers together see exactly the batches a single process sees, each sample
 * once, augmented with the same seed; a batch of B samples becomes B / count per worker.
 *
 * @param index this worker's position, in [0, count)
 * @param count the number of workers sharing each batch, at least 1
 */
public record DataShard(int index, int count) {
  /** The whole batch: a single process. */
  public static final DataShard WHOLE = new DataShard(0, 1);

  public DataShard {
    if (count < 1 || index < 0 || index >= count) {
      throw new IllegalArgumentException("data shard index must lie in [0, count), found " + index + " of " + count);
    }
  }

  /** The position within the global batch of this shard's {@code i}-th sample. */
  public int position(int i) {
    return index + i * count;
  }

  /**
   * This shard's size of a batch of {@code batchSize}.
   *
   * @param what the config field holding the batch size, as errors name it
   * @throws ConfigException when the batch does not split evenly among the workers
   */
  public int sizeOf(int batchSize, String what) {
    if (batchSize % count != 0) {
      throw new ConfigException(what + ": expected a multiple of the " + count + " workers, which take equal"
          + " shares of every batch, found " + batchSize);
    }
    return batchSize / count;
  }
}
