package org.delineo.training.checkpoint;

import java.util.List;

/**
 * What loading {@code model.init_checkpoint} found.
 *
 * @param source the file or checkpoint read
 * @param loaded our variable names assigned
 * @param missing our variables (within the requested modules) the file lacks
 * @param unexpected file names (after mapping, within the requested modules) that match no variable
 * @param mismatched {@code name: ours [..], file [..]} for names whose shapes no layout rule reconciles
 * @param trainOnly file names of variables only the TRAIN graph builds (auxiliary heads), absent
 *     from the EVAL / PREDICT graph loaded into: not loaded, and no problem in strict mode
 * @param skipped file names outside the requested modules or ignored ({@code num_batches_tracked})
 */
public record InitCheckpointReport(String source, List<String> loaded, List<String> missing, List<String> unexpected,
    List<String> mismatched, List<String> trainOnly, int skipped) {

  /** Whether every requested variable was found with a fitting shape and nothing was left over. */
  public boolean clean() {
    return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty();
  }

  /** A few lines for the run's output; the problem lists in full. */
  public String format() {
    StringBuilder b = new StringBuilder("init_checkpoint ").append(source).append(": loaded ").append(loaded.size())
        .append(" variables, skipped ").append(skipped).append(" names outside the requested modules or ignored");
    append(b, "missing (kept their initial values)", missing);
    append(b, "unexpected (not in the model)", unexpected);
    append(b, "shape mismatch (not loaded)", mismatched);
    append(b, "train-only (built in training only, not loaded here)", trainOnly);
    return b.toString();
  }

  private static void append(StringBuilder b, String what, List<String> names) {
    if (!names.isEmpty()) {
      b.append("\n  ").append(names.size()).append(' ').append(what).append(": ").append(String.join(", ", names));
    }
  }
}
