package org.delineo.training.checkpoint;

import com.google.protobuf.TextFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.delineo.graph.DelineoException;
import org.delineo.graph.checkpoint.CheckpointFit;
import org.delineo.graph.io.FileSync;
import org.delineo.graph.io.SafeFiles;
import org.delineo.proto.CheckpointConfig;
import org.delineo.proto.CheckpointIndex;
import org.delineo.proto.MetricRule;
import org.delineo.proto.TrainingState;
import org.delineo.serving.ModelRecord;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TensorFlowException;

/**
 * Writes, retains and restores checkpoints in one directory. A checkpoint is a directory
 * {@code ckpt-<step>} holding the session's variables ({@code variables.index},
 * {@code variables.data-*}), the {@link TrainingState} ({@code state.pbtxt}) and, when the manager
 * {@linkplain #recordWith records} them, the resolved config and the provenance
 * ({@link ModelRecord}: {@code config.pbtxt}, {@code provenance.json}), so that the checkpoint alone
 * can be evaluated or exported.
 *
 * <p>Crash and power-cut safety ({@link SafeFiles}), in this order: (1) everything is written into
 * a staging directory {@code .tmp-ckpt-<step>-<random>}; (2) every file in it (TensorFlow's
 * {@code variables.index} and {@code variables.data-*}, whose saver is not relied on to fsync, and
 * {@code state.pbtxt}) and the directory itself are fsynced; (3) it is renamed to {@code ckpt-<step>}
 * in one step and the checkpoint directory is fsynced; (4) only then is the index file
 * {@code checkpoint} (latest, best, retained list) atomically replaced and fsynced; (5) only then
 * are old checkpoints removed. So the index never names a checkpoint whose files a power cut could
 * still lose or tear, and a crash or power cut at any point leaves the previous checkpoint intact and
 * {@link #latest()} pointing to it (or to the new one if it came after the rename); leftover
 * temporaries are ignored and deleted when a manager opens the directory or saves.
 *
 * <p>Retention: the last {@code keepLast} checkpoints in save order (all when {@code keepLast} is
 * 0), plus, when {@code keepBest}, the one with the strictly best monitored metric (mmengine's
 * {@code save_best} comparison), which is never deleted while it is the best. One process writes
 * a directory at a time.
 */
public final class CheckpointManager {
  /** The index file's name. */
  public static final String INDEX_FILE = "checkpoint";
  /** The variables' file prefix inside a checkpoint directory. */
  public static final String VARIABLES_PREFIX = "variables";

  private static final String NAME_PREFIX = "ckpt-";
  private static final Pattern NAME = Pattern.compile("ckpt-(\\d+)");

  /** Points in {@link #save} where a test can simulate a crash. */
  enum Stage { VARIABLES_SAVED, STATE_WRITTEN, RENAMED }

  /** Called at each {@link Stage}; a test throws from it to simulate a crash there. */
  interface StageListener {
    void reached(Stage stage, Path path);
  }

  private final Path dir;
  private final int keepLast;
  private final boolean keepBest;
  private final MetricRule rule;
  private final List<String> retained = new ArrayList<>();
  private String latest = "";
  private String best = "";
  private double bestMetric = Double.NaN;
  private StageListener listener = (stage, path) -> {};
  private SafeFiles files = SafeFiles.durable();
  private Function<TrainingState, ModelRecord> records;

  /**
   * Opens (creating if needed) the checkpoint directory {@code dir}, removes leftover
   * temporaries and reads the index; a missing or unreadable index is rebuilt from the
   * checkpoint directories present.
   *
   * @param keepLast checkpoints kept in save order, 0 = all
   * @param keepBest whether the best checkpoint is kept beyond the last {@code keepLast}
   * @param rule direction in which the monitored metric improves
   */
  public CheckpointManager(Path dir, int keepLast, boolean keepBest, MetricRule rule) {
    if (keepLast < 0) {
      throw new DelineoException("checkpoint keep_last must be >= 0 (0 keeps all), found " + keepLast);
    }
    this.dir = dir;
    this.keepLast = keepLast;
    this.keepBest = keepBest;
    this.rule = rule;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new DelineoException("cannot create checkpoint directory " + dir + ": " + e, e);
    }
    removeTemporaries();
    loadIndex();
  }

  /** The manager configured by an experiment's checkpoint section. */
  public static CheckpointManager fromConfig(Path dir, CheckpointConfig config) {
    return new CheckpointManager(dir, config.getKeepLast(), config.getKeepBest(), config.getRule());
  }

  /**
   * Makes every following {@link #save} write the record {@code recordOf} gives for the saved state
   * (step and wall time stamped) into the checkpoint, inside its temporary directory: it appears
   * with the checkpoint, atomically.
   */
  public void recordWith(Function<TrainingState, ModelRecord> recordOf) {
    this.records = recordOf;
  }

  /** The directory holding the checkpoints. */
  public Path directory() {
    return dir;
  }

  /**
   * Saves the session's variables and {@code state} as checkpoint {@code ckpt-<state.step>}
   * (replacing one of the same step), then applies retention.
   *
   * @param metric the monitored metric at this step, or null when there was no validation; a
   *     strictly better finite value than the best so far makes this checkpoint the best
   * @return the checkpoint directory
   * @throws DelineoException when writing fails (the previous checkpoints stay as they were)
   */
  public Path save(Session session, TrainingState state, Double metric) {
    removeTemporaries();
    String name = NAME_PREFIX + state.getStep();
    Path target = dir.resolve(name);
    Path tmp = SafeFiles.temporarySibling(dir, name);
    boolean newBest = metric != null && Double.isFinite(metric)
        && (Double.isNaN(bestMetric) || better(metric, bestMetric));
    String bestAfter = newBest ? name : best;
    double bestMetricAfter = newBest ? metric : bestMetric;
    TrainingState.Builder stamped = state.toBuilder()
        .setMetric(metric == null ? Double.NaN : metric)
        .setWallTime(System.currentTimeMillis() / 1000.0);
    if (!bestAfter.isEmpty()) {
      stamped.setBestMetric(bestMetricAfter).setBestStep(stepOf(bestAfter));
    }
    try {
      Files.createDirectory(tmp);
      saveVariables(session, tmp);
      listener.reached(Stage.VARIABLES_SAVED, tmp);
      // A plain write: nothing can see the staging directory, which is synced as a whole next.
      Files.writeString(TrainingStateFile.in(tmp), TrainingStateFile.toText(stamped.build()),
          StandardCharsets.UTF_8);
      if (records != null) {
        records.apply(stamped.build()).writeTo(tmp);
      }
      listener.reached(Stage.STATE_WRITTEN, tmp);
      // Syncs the variables TensorFlow wrote, the state and the directory before the rename, and
      // the rename before writeIndex below names the checkpoint (the order in the class comment).
      moveIntoPlace(tmp, target);
      listener.reached(Stage.RENAMED, target);
    } catch (IOException | RuntimeException e) {
      // An ordinary failure cleans up; a crash (an Error, or the process dying) leaves the
      // temporary directory for the next open to remove.
      SafeFiles.deleteTreeQuietly(tmp);
      throw saveFailure(name, e);
    }
    latest = name;
    best = bestAfter;
    bestMetric = bestMetricAfter;
    retained.remove(name);
    retained.add(name);
    List<String> removed = applyRetention();
    writeIndex();
    for (String old : removed) {
      removeCheckpoint(old);
    }
    return target;
  }

  /**
   * The checkpoint {@link #latest()} of a manager of {@code dir} would name, found without
   * creating or cleaning anything (a resume checks before it writes); empty when {@code dir} is
   * missing or holds no complete checkpoint.
   */
  public static Optional<Path> latestIn(Path dir) {
    if (!Files.isDirectory(dir)) {
      return Optional.empty();
    }
    String named = readIndex(dir).getLatest();
    if (!named.isEmpty() && NAME.matcher(named).matches() && isComplete(dir.resolve(named))) {
      return Optional.of(dir.resolve(named));
    }
    List<Path> all = completeCheckpoints(dir);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /** The most recently saved checkpoint, if any complete one exists. */
  public Optional<Path> latest() {
    if (!latest.isEmpty() && isComplete(dir.resolve(latest))) {
      return Optional.of(dir.resolve(latest));
    }
    List<Path> all = checkpoints();
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /** The checkpoint with the best monitored metric, if there is one and it still exists. */
  public Optional<Path> best() {
    if (!best.isEmpty() && isComplete(dir.resolve(best))) {
      return Optional.of(dir.resolve(best));
    }
    return Optional.empty();
  }

  /** The best monitored metric seen by {@link #save}, if any. */
  public OptionalDouble bestMetric() {
    return Double.isNaN(bestMetric) ? OptionalDouble.empty() : OptionalDouble.of(bestMetric);
  }

  /** The complete checkpoint directories present, by ascending step. */
  public List<Path> checkpoints() {
    return completeCheckpoints(dir);
  }

  private static List<Path> completeCheckpoints(Path dir) {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        if (NAME.matcher(p.getFileName().toString()).matches() && isComplete(p)) {
          out.add(p);
        }
      }
    } catch (IOException e) {
      throw new DelineoException("cannot list checkpoint directory " + dir + ": " + e, e);
    }
    out.sort(Comparator.comparingLong(p -> stepOf(p.getFileName().toString())));
    return out;
  }

  /**
   * Restores the session's variables from checkpoint directory {@code checkpoint} and returns
   * its training state. Every variable of the session's graph must be in the checkpoint with the
   * same dtype and shape ({@link CheckpointFit}); the checkpoint may hold more.
   *
   * @throws DelineoException naming the checkpoint when it is incomplete, its state is corrupt,
   *     it does not fit the graph (listing the variables, expected vs found), or TensorFlow cannot
   *     restore the variables
   */
  public TrainingState restore(Session session, Path checkpoint) {
    return restoreCheckpoint(session, checkpoint);
  }

  /** Like {@link #restore}, without a manager (e.g. for eval or export). */
  public static TrainingState restoreCheckpoint(Session session, Path checkpoint) {
    Path index = checkpoint.resolve(VARIABLES_PREFIX + ".index");
    if (!Files.isDirectory(checkpoint)) {
      throw new DelineoException("checkpoint " + checkpoint + " not found; expected a directory"
          + " holding " + VARIABLES_PREFIX + ".index and " + TrainingStateFile.FILE_NAME);
    }
    if (!Files.isRegularFile(index)) {
      throw new DelineoException("checkpoint " + checkpoint + " is incomplete: " + index
          + " is missing");
    }
    TrainingState state = TrainingStateFile.read(TrainingStateFile.in(checkpoint));
    // Checked first: TensorFlow's own mismatch error names a save op, not the variable or the file.
    CheckpointFit.check(session.graph(), checkpoint.resolve(VARIABLES_PREFIX));
    try {
      session.restore(checkpoint.resolve(VARIABLES_PREFIX).toString());
    } catch (TensorFlowException e) {
      throw new DelineoException("cannot restore variables from checkpoint " + checkpoint + ": "
          + e.getMessage(), e);
    }
    return state;
  }

  /** Test hook: called at each stage of {@link #save}. */
  void onStage(StageListener stageListener) {
    this.listener = stageListener;
  }

  /** Test hook: the checkpoints' and the index's files are synced through {@code sync}. */
  void syncWith(FileSync sync) {
    this.files = SafeFiles.syncingWith(sync);
  }

  private boolean better(double candidate, double incumbent) {
    return rule == MetricRule.LESS ? candidate < incumbent : candidate > incumbent;
  }

  private static void saveVariables(Session session, Path tmp) {
    session.save(tmp.resolve(VARIABLES_PREFIX).toString());
  }

  /**
   * One line for a failed save: which checkpoint, why (TensorFlow's first message line, without
   * its node names and unrelated hints), and which checkpoint is still good. A full device is
   * named as such, since freeing space and resuming is all it takes.
   */
  private DelineoException saveFailure(String name, Exception e) {
    String reason = e instanceof TensorFlowException
        ? TensorFlowMessages.firstLine(e.getMessage())
        : e instanceof DelineoException ? e.getMessage() : String.valueOf(e);
    String lastGood = latest().map(p -> p.getFileName().toString()).orElse("(none written yet)");
    if (TensorFlowMessages.isNoSpace(e)) {
      return new DelineoException("cannot write checkpoint " + name + " into " + dir
          + ": no space left on device; the last good checkpoint is " + lastGood
          + " (free space, then --resume)", e);
    }
    return new DelineoException("cannot write checkpoint " + name + " into " + dir + ": " + reason
        + "; the last good checkpoint is " + lastGood, e);
  }

  private void moveIntoPlace(Path tmp, Path target) throws IOException {
    Path replaced = null;
    if (Files.exists(target)) {
      // A checkpoint of the same step (e.g. after resuming from an earlier one): move it aside
      // first, since a directory cannot be renamed over a non-empty one.
      replaced = SafeFiles.temporarySibling(dir, "replaced-" + target.getFileName());
      Files.move(target, replaced, StandardCopyOption.ATOMIC_MOVE);
    }
    files.publishDirectory(tmp, target);
    if (replaced != null) {
      SafeFiles.deleteTreeQuietly(replaced);
    }
  }

  /** Drops the oldest retained checkpoints beyond keepLast, sparing the best; returns them. */
  private List<String> applyRetention() {
    List<String> removed = new ArrayList<>();
    if (keepLast == 0) {
      return removed;
    }
    int excess = retained.size() - keepLast;
    List<String> keep = new ArrayList<>();
    for (int i = 0; i < retained.size(); i++) {
      String name = retained.get(i);
      if (i >= excess || (keepBest && name.equals(best))) {
        keep.add(name);
      } else {
        removed.add(name);
      }
    }
    retained.clear();
    retained.addAll(keep);
    if (removed.contains(best)) {
      best = "";
    }
    return removed;
  }

  private void removeCheckpoint(String name) {
    Path path = dir.resolve(name);
    if (!Files.exists(path)) {
      return;
    }
    // Rename first, so a half-deleted directory never looks like a checkpoint.
    Path doomed = SafeFiles.temporarySibling(dir, "deleting-" + name);
    try {
      Files.move(path, doomed, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new DelineoException("cannot remove old checkpoint " + path + ": " + e, e);
    }
    SafeFiles.deleteTreeQuietly(doomed);
  }

  private void writeIndex() {
    CheckpointIndex.Builder index = CheckpointIndex.newBuilder()
        .setLatest(latest).setBest(best).addAllRetained(retained);
    if (!best.isEmpty()) {
      index.setBestMetric(bestMetric);
    }
    Path file = dir.resolve(INDEX_FILE);
    try {
      files.writeString(file, TextFormat.printer().printToString(index.build()));
    } catch (IOException e) {
      throw new DelineoException("cannot write checkpoint index " + file + ": " + e, e);
    }
  }

  /** Reads the index; when it is missing or unreadable, rebuilds the picture from the directories. */
  private void loadIndex() {
    List<String> present = new ArrayList<>();
    for (Path p : checkpoints()) {
      present.add(p.getFileName().toString());
    }
    CheckpointIndex index = readIndex(dir);
    // Known checkpoints keep their save order; ones the index does not list (e.g. renamed just
    // before a crash, or an index lost) count as older, by step.
    LinkedHashSet<String> order = new LinkedHashSet<>();
    for (String name : present) {
      if (!index.getRetainedList().contains(name)) {
        order.add(name);
      }
    }
    for (String name : index.getRetainedList()) {
      if (present.contains(name)) {
        order.add(name);
      }
    }
    retained.addAll(order);
    latest = present.contains(index.getLatest()) ? index.getLatest() : "";
    if (!index.getBest().isEmpty() && present.contains(index.getBest())
        && !Double.isNaN(index.getBestMetric())) {
      best = index.getBest();
      bestMetric = index.getBestMetric();
    } else {
      bestFromLatestState(present);
    }
  }

  /**
   * A checkpoint named on the command line: a {@code ckpt-N} directory as is, or
   * {@code <checkpoints>/best} / {@code <checkpoints>/latest} resolved through the index file of
   * that folder (read only: unlike the constructor, this never touches a running training's
   * folder).
   *
   * @throws DelineoException when an alias names no complete checkpoint
   */
  public static Path resolve(Path checkpoint) {
    String name = checkpoint.getFileName() == null ? "" : checkpoint.getFileName().toString();
    if (Files.isDirectory(checkpoint) || !(name.equals("best") || name.equals("latest"))) {
      return checkpoint;
    }
    Path dir = checkpoint.toAbsolutePath().getParent();
    CheckpointIndex index = readIndex(dir);
    String target = name.equals("best") ? index.getBest() : index.getLatest();
    if (target.isEmpty() || !isComplete(dir.resolve(target))) {
      throw new DelineoException("checkpoint '" + checkpoint + "': " + dir.resolve(INDEX_FILE)
          + " names no complete " + name + " checkpoint (found '" + target + "')");
    }
    return dir.resolve(target);
  }

  private static CheckpointIndex readIndex(Path dir) {
    Path file = dir.resolve(INDEX_FILE);
    if (!Files.isRegularFile(file)) {
      return CheckpointIndex.getDefaultInstance();
    }
    try {
      CheckpointIndex.Builder b = CheckpointIndex.newBuilder();
      TextFormat.merge(Files.readString(file, StandardCharsets.UTF_8), b);
      return b.build();
    } catch (IOException | RuntimeException e) {
      // The index is only a summary of what the directories hold; rebuild rather than fail.
      return CheckpointIndex.getDefaultInstance();
    }
  }

  /** Every saved state records the best so far; the latest one's view is the current best. */
  private void bestFromLatestState(List<String> present) {
    Optional<Path> last = latest();
    if (last.isEmpty()) {
      return;
    }
    try {
      TrainingState state = TrainingStateFile.read(TrainingStateFile.in(last.get()));
      String name = NAME_PREFIX + state.getBestStep();
      if (state.getBestStep() >= 0 && present.contains(name) && !Double.isNaN(state.getBestMetric())) {
        best = name;
        bestMetric = state.getBestMetric();
      } else if (!Double.isNaN(state.getBestMetric())) {
        bestMetric = state.getBestMetric();
      }
    } catch (DelineoException e) {
      // An unreadable state leaves the best unknown; restoring that checkpoint will report it.
    }
  }

  private void removeTemporaries() {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        if (p.getFileName().toString().startsWith(SafeFiles.TEMPORARY_PREFIX)) {
          // Leftovers that cannot be deleted now are ignored, and tried again on the next open.
          SafeFiles.deleteTreeQuietly(p);
        }
      }
    } catch (IOException e) {
      throw new DelineoException("cannot list checkpoint directory " + dir + ": " + e, e);
    }
  }

  private static boolean isComplete(Path checkpoint) {
    return Files.isDirectory(checkpoint)
        && Files.isRegularFile(checkpoint.resolve(VARIABLES_PREFIX + ".index"))
        && Files.isRegularFile(TrainingStateFile.in(checkpoint));
  }

  private static long stepOf(String name) {
    Matcher m = NAME.matcher(name);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a checkpoint name: " + name);
    }
    return Long.parseLong(m.group(1));
  }
}
