package org.delineo.training.config;

import java.util.List;
import java.util.Optional;

/**
 * Fields removed from the schema because nothing read them (their numbers and names are
 * {@code reserved} in the .proto files). A run records its config with every default written out,
 * so the {@code config.pbtxt} of a run from before a removal holds such a field with its old
 * default: that value is skipped when a config is read (it never changed anything, so the run
 * still resumes and evaluates). Any other value is an error saying why the field went, so that a
 * setting the code would ignore never passes in silence.
 */
final class RemovedFields {
  /**
   * One removed field.
   *
   * @param path the field path as {@code --set} writes it
   * @param recordedDefault the value runs recorded, as protobuf text writes it; null when runs
   *     never wrote the field (an empty repeated field)
   * @param reason why it went, for the error message
   */
  record Removed(String path, String recordedDefault, String reason) {
    /** The error for a config that sets this field. */
    String message() {
      return "field '" + path + "': removed from the schema (" + reason + "); delete it";
    }
  }

  static final List<Removed> ALL = List.of(
      new Removed("model.norm_groups", "32", "no model family builds GROUP norm"),
      new Removed("data.synthetic_samples", "64",
          "synthetic datasets are the files `delineo data synth --cases N` writes"),
      new Removed("eval.metrics", null, "validation always reports val/mIoU, val/mDice, val/mAcc, val/aAcc,"
          + " val/fwIoU, and the BraTS region scores with eval.all_modality_masks"),
      new Removed("export.output_probabilities", "true",
          "every export outputs both the probabilities and the class map"));

  private RemovedFields() {}

  /** The removed field at {@code path}, if it is one. */
  static Optional<Removed> at(String path) {
    return ALL.stream().filter(r -> r.path().equals(path)).findFirst();
  }

  /** Whether {@code value} (protobuf text) at {@code path} is a removed field's recorded default. */
  static boolean isRecordedDefault(String path, String value) {
    return at(path).map(r -> r.recordedDefault() != null && r.recordedDefault().equals(value)).orElse(false);
  }
}
