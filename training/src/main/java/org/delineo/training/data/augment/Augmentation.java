package org.delineo.training.data.augment;

import java.util.random.RandomGenerator;
import org.delineo.training.data.Sample;

/**
 * A random transform of one training sample (image and label together). Implementations are
 * immutable and thread-safe: the loader calls one instance from several worker threads, each with
 * its own generator. All randomness comes from {@code rng}, so the same generator state gives the
 * same output. An augmentation never modifies its input's arrays; when the drawn transform is the
 * identity it may return the input itself.
 */
@FunctionalInterface
public interface Augmentation {

  /** Returns the transformed sample, drawing every random choice from {@code rng}. */
  Sample apply(Sample sample, RandomGenerator rng);

  /** The augmentation that returns every sample unchanged (evaluation pipelines). */
  static Augmentation identity() {
    return (sample, rng) -> sample;
  }
}
