package org.delineo.training.config;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.ScheduleConfig;

/**
 * Decides whether a run may be resumed with a config that differs from the one it recorded.
 *
 * <p>Only the fields of a short allow-list may differ, and only when the user accepts them
 * ({@code --force}): they change neither the graph's variables nor the data order, so the
 * checkpoints stay valid and the data continue where they stopped. They are
 * {@code schedule.total_steps}, {@code eval.interval_steps}, {@code eval.max_cases},
 * {@code checkpoint.interval_steps}, {@code checkpoint.keep_last}, {@code runtime.log_interval_steps},
 * {@code runtime.intra_op_threads}, {@code runtime.inter_op_threads}, {@code runtime.run_dir} (the run
 * is the one being resumed, wherever the config says), {@code runtime.replicas} and
 * {@code runtime.replica_devices} (the towers share one set of variables and the global batch, so a
 * run may continue on another number of devices; with plain batch norm each tower's statistics then
 * cover another slice), {@code name}, {@code description},
 * {@code data.num_workers} and {@code data.prefetch} (the loader's order does not depend on its
 * threads), {@code data.root} (a dataset moved to another disk or machine; the resume's pre-flight
 * check reads every file there, but that it is the same data is the user's word) and everything under
 * {@code early_stopping} and {@code export}. Note that {@code schedule.total_steps}
 * is also the horizon T of the poly learning-rate decay: changing it changes the learning rate of
 * every step after the restored one (the message says so), which is the usual intent of training
 * longer but no longer equals an uninterrupted run of either length. Any other difference (model,
 * data, loss, strategy, optimizer, the rest of the schedule, seed, ...) is refused.
 */
public final class ResumeConfigCheck {
  /** Paths (a field, or a message and all below it) that a forced resume may change. */
  static final List<String> HARMLESS = List.of(
      "name",
      "description",
      "data.root",
      "data.num_workers",
      "data.prefetch",
      "schedule.total_steps",
      "eval.interval_steps",
      "eval.max_cases",
      "checkpoint.interval_steps",
      "checkpoint.keep_last",
      "runtime.log_interval_steps",
      "runtime.intra_op_threads",
      "runtime.inter_op_threads",
      "runtime.run_dir",
      "runtime.replicas",
      "runtime.replica_devices",
      "early_stopping",
      "export");

  private ResumeConfigCheck() {}

  /**
   * Compares the config a run recorded with the one a resume would use.
   *
   * @param recordedFile where {@code recorded} was read from, named in the messages
   * @param force whether the user accepts harmless differences
   * @return the accepted differences (empty when the configs agree)
   * @throws ConfigException listing every difference when one is not harmless, or listing the
   *     harmless ones when {@code force} is false
   */
  public static List<ConfigDiff.Change> check(ExperimentConfig recorded, ExperimentConfig proposed,
      String recordedFile, boolean force) {
    List<ConfigDiff.Change> changes = ConfigDiff.between(recorded, proposed);
    List<ConfigDiff.Change> refused = new ArrayList<>();
    for (ConfigDiff.Change c : changes) {
      if (!isHarmless(c.path())) {
        refused.add(c);
      }
    }
    if (!refused.isEmpty()) {
      throw new ConfigException("cannot resume: the config differs from the run's " + recordedFile
          + " in fields that change the graph or the data: " + describe(refused, proposed)
          + " (expected the recorded values; start a fresh run to use the new ones)");
    }
    if (!changes.isEmpty() && !force) {
      throw new ConfigException("the config differs from the run's " + recordedFile + ": "
          + describe(changes, proposed) + "; add --force to resume with these changes");
    }
    return changes;
  }

  /** The changes as one line, e.g. {@code eval.interval_steps: 2 -> 4; export.name: ...}. */
  public static String describe(List<ConfigDiff.Change> changes, ExperimentConfig proposed) {
    return changes.stream().map(c -> c.toString() + note(c, proposed)).collect(Collectors.joining("; "));
  }

  static boolean isHarmless(String path) {
    return ConfigDiff.isUnder(path, HARMLESS);
  }

  private static String note(ConfigDiff.Change c, ExperimentConfig proposed) {
    boolean poly = proposed.getSchedule().getKindCase() != ScheduleConfig.KindCase.CONSTANT;
    return c.path().equals("schedule.total_steps") && poly
        ? " (also the poly decay's horizon: the learning rate after the restored step changes)"
        : "";
  }
}
