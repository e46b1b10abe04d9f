package org.delineo.training.strategy;

/**
 * Which modalities a training sample keeps: a function of the case and a draw counter, so that
 * the masks of a resumed run equal those of an uninterrupted one.
 */
@FunctionalInterface
public interface ModalityMaskSource {

  /** Every modality present. */
  static ModalityMaskSource all(int modalities) {
    return (id, draw) -> {
      boolean[] mask = new boolean[modalities];
      java.util.Arrays.fill(mask, true);
      return mask;
    };
  }

  /** The availability of each modality of case {@code id} for its {@code draw}-th use. */
  boolean[] maskFor(String id, long draw);
}
