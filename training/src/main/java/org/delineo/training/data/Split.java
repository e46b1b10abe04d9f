package org.delineo.training.data;

import java.util.Locale;

/** A dataset partition: training, validation (model selection) or held-out test. */
public enum Split {
  TRAIN,
  VAL,
  TEST;

  /** The split file's name inside a dataset's {@code splits/} folder, e.g. {@code train.txt}. */
  public String fileName() {
    return name().toLowerCase(Locale.ROOT) + ".txt";
  }
}
