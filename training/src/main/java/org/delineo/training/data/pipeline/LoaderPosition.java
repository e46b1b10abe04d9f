package org.delineo.training.data.pipeline;

/**
 * Where a {@link BatchLoader} stands: the epoch and the index within that epoch of the next batch
 * it delivers. Saving it with the seed is enough to resume the exact batch sequence.
 *
 * @param epoch epoch of the next batch, from 0
 * @param batch index of the next batch within its epoch, from 0
 */
public record LoaderPosition(int epoch, int batch) {
  public LoaderPosition {
    if (epoch < 0 || batch < 0) {
      throw new IllegalArgumentException(
          "loader position must be non-negative, found epoch " + epoch + " batch " + batch);
    }
  }
}
