package org.delineo.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.SessionLog;
import org.tensorflow.proto.Summary;

/**
 * {@code delineo train --resume} on tiny real runs: a resume checks the config and the checkpoint
 * before it changes anything in the run directory, and a resumed run records each step once in
 * metrics.jsonl and (by TensorBoard's reading rules) in its event files.
 */
class ResumeCommandTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final DelineoCli cli = new DelineoCli(Commands.all(),
      new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

  @TempDir Path dir;
  private Path config;
  private Path run;

  @BeforeEach
  void tinyConfig() throws IOException {
    Path data = dir.resolve("data");
    assertEquals(0, cli.run(new String[] {"data", "synth", "--kind", "scenes2d", "--out", data.toString(),
        "--size", "16,16", "--cases", "8", "--seed", "1"}), err());
    config = dir.resolve("tiny.pbtxt");
    Files.writeString(config, "name: \"tiny\"\n"
        + "model { unet { channels: [4, 8, 16, 32, 64] } }\n"
        + "data { layout: SYNTHETIC_SCENES2D root: \"" + data + "\" batch_size: 2 num_workers: 1 }\n"
        + "schedule { total_steps: 4 warmup_steps: 0 }\n"
        + "eval { interval_steps: 2 }\n"
        + "runtime { log_interval_steps: 1 }\n");
    run = dir.resolve("run");
  }

  @Test
  void aGraphChangingConfigIsRefusedWithEveryDifferenceAndNothingChanges() throws IOException {
    train("--set", "schedule.total_steps=2");
    Map<String, String> before = snapshot(run);
    assertEquals(DelineoCli.USAGE_ERROR, cli.run(new String[] {"train", "--resume", "--workdir", run.toString(),
        "--config", config.toString(), "--set", "model.num_classes=7", "--set", "optimizer.lr=0.5",
        "--set", "model.unet.channels=[4, 8, 16, 32, 32]"}));
    String message = lastLine(err());
    assertTrue(message.contains("model.num_classes: 0 -> 7"), message);
    assertTrue(message.contains("model.unet.channels: [4, 8, 16, 32, 64] -> [4, 8, 16, 32, 32]"), message);
    assertTrue(message.contains("optimizer.lr: 0.01 -> 0.5"), message);
    // total_steps 2 -> 4 (the file's value) is harmless: the refusal lists only what cannot be forced.
    assertFalse(message.contains("total_steps"), message);
    assertEquals(before, snapshot(run), "the run directory is untouched");
  }

  @Test
  void aHarmlessChangeNeedsForceAndIsRecordedOnceTrainingStarts() throws IOException {
    train("--set", "schedule.total_steps=2");
    Map<String, String> before = snapshot(run);
    String firstConfig = Files.readString(run.resolve("config.pbtxt"));
    String firstProvenance = Files.readString(run.resolve("provenance.json"));

    // No --config: the run's config.pbtxt, with --set on top.
    String[] resume = {"train", "--resume", "--workdir", run.toString(), "--set", "schedule.total_steps=4"};
    assertEquals(DelineoCli.USAGE_ERROR, cli.run(resume));
    String message = lastLine(err());
    assertTrue(message.contains("schedule.total_steps: 2 -> 4") && message.contains("--force"), message);
    assertEquals(before, snapshot(run), "the run directory is untouched");

    String[] forced = {"train", "--resume", "--workdir", run.toString(), "--set", "schedule.total_steps=4", "--force"};
    assertEquals(0, cli.run(forced), err());
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("schedule.total_steps: 2 -> 4"), "accepted change printed");
    assertTrue(Files.isDirectory(run.resolve("checkpoints/ckpt-4")), "trained on to the new total");
    assertTrue(Files.readString(run.resolve("config.pbtxt")).contains("total_steps: 4"));
    assertEquals(firstConfig, Files.readString(run.resolve("config-2.pbtxt")), "previous config kept");
    assertEquals(firstProvenance, Files.readString(run.resolve("provenance.json")), "first start's provenance kept");
    assertTrue(Files.readString(run.resolve("provenance-resume-2.json")).contains("\"start_time\""));
  }

  @Test
  void resumeWithoutACheckpointSaysSoAndWritesNothing() throws IOException {
    Files.createDirectories(run);
    Files.writeString(run.resolve("config.pbtxt"), Files.readString(config));
    Map<String, String> before = snapshot(run);
    assertEquals(DelineoCli.USAGE_ERROR, cli.run(new String[] {"train", "--resume", "--workdir", run.toString(),
        "--config", config.toString()}));
    assertEquals("delineo train: no checkpoint in " + run.resolve("checkpoints")
        + " to resume from; run without --resume to start a fresh run", lastLine(err()));
    assertEquals(before, snapshot(run), "nothing written, no fresh run started");

    Path missing = dir.resolve("missing");
    assertEquals(DelineoCli.USAGE_ERROR, cli.run(new String[] {"train", "--resume", "--workdir", missing.toString(),
        "--config", config.toString()}));
    assertTrue(lastLine(err()).contains("run directory " + missing + " not found"), err());
    assertFalse(Files.exists(missing));
  }

  @Test
  void aResumeAfterAnEvaluationWithoutItsCheckpointRecordsEachStepOnce() throws IOException {
    train();
    // A kill after step 4's evaluation was logged but before its checkpoint was renamed into place.
    deleteTree(run.resolve("checkpoints/ckpt-4"));
    assertEquals(List.of(2L, 4L), metricSteps());

    assertEquals(0, cli.run(new String[] {"train", "--resume", "--workdir", run.toString(),
        "--config", config.toString()}), err());
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("at step 2"), out.toString(StandardCharsets.UTF_8));
    assertEquals(List.of(2L, 4L), metricSteps(), "step 4 evaluated again, logged once");

    Map<String, List<Long>> steps = tensorBoardSteps(run.resolve("events"));
    assertEquals(List.of(2L, 4L), steps.get("val/mIoU"));
    assertEquals(List.of(1L, 2L, 3L, 4L), steps.get("train/lr"));
    steps.forEach((tag, s) -> assertEquals(s.stream().distinct().toList(), s, tag + " steps " + s));
  }

  @Test
  void aFreshRunRefusesAFolderWithCheckpointsAndCleansOneKilledBeforeItsFirst() throws IOException {
    train("--set", "schedule.total_steps=2");
    Map<String, String> before = snapshot(run);
    // A forgotten --resume would replace ckpt-2 and mix two runs' records.
    assertEquals(DelineoCli.USAGE_ERROR, cli.run(new String[] {"train", "--config", config.toString(),
        "--workdir", run.toString()}));
    assertEquals("delineo train: run directory " + run + " already holds a run with checkpoints in "
        + run.resolve("checkpoints") + "; continue it with --resume, or choose another --workdir", lastLine(err()));
    assertEquals(before, snapshot(run), "the run directory is untouched");

    // Killed after its step-2 evaluation line, before the checkpoint: a fresh start is allowed and
    // its metrics.jsonl holds the new run's evaluations only.
    try (Stream<Path> s = Files.walk(run.resolve("checkpoints"))) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
    assertEquals(List.of(2L), metricSteps());
    train();
    assertEquals(List.of(2L, 4L), metricSteps());
  }

  private void train(String... extra) {
    List<String> args = new ArrayList<>(List.of("train", "--config", config.toString(), "--workdir", run.toString()));
    args.addAll(List.of(extra));
    assertEquals(0, cli.run(args.toArray(String[]::new)), err());
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private static String lastLine(String text) {
    String[] lines = text.strip().split("\\R");
    return lines[lines.length - 1];
  }

  private List<Long> metricSteps() throws IOException {
    List<Long> steps = new ArrayList<>();
    Matcher m = Pattern.compile("^\\{\"step\":(\\d+),", Pattern.MULTILINE)
        .matcher(Files.readString(run.resolve("metrics.jsonl")));
    while (m.find()) {
      steps.add(Long.parseLong(m.group(1)));
    }
    return steps;
  }

  /**
   * The steps TensorBoard shows per tag: every event file of the folder in file-name order, each
   * starting with a version-2 header, with its purge rule for restarts applied (a
   * {@code SessionLog.START} at step s discards the events read so far with step >= s).
   */
  private static Map<String, List<Long>> tensorBoardSteps(Path events) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(events)) {
      files = s.sorted().toList();
    }
    assertEquals(2, files.size(), files.toString());
    Map<String, List<Long>> steps = new TreeMap<>();
    for (Path file : files) {
      List<Event> read = readEvents(file);
      assertEquals("brain.Event:2", read.get(0).getFileVersion(), file.toString());
      for (Event e : read) {
        if (e.hasSessionLog() && e.getSessionLog().getStatus() == SessionLog.SessionStatus.START) {
          steps.values().forEach(list -> list.removeIf(step -> step >= e.getStep()));
        }
        for (Summary.Value v : e.getSummary().getValueList()) {
          steps.computeIfAbsent(v.getTag(), t -> new ArrayList<>()).add(e.getStep());
        }
      }
    }
    return steps;
  }

  /** TFRecord framing: length (uint64 LE), its CRC, the data, its CRC; CRCs are not checked here. */
  private static List<Event> readEvents(Path file) throws IOException {
    ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    List<Event> events = new ArrayList<>();
    while (in.hasRemaining()) {
      byte[] data = new byte[(int) in.getLong()];
      in.getInt();
      in.get(data);
      in.getInt();
      events.add(Event.parseFrom(data));
    }
    return events;
  }

  /** Every file under {@code root} with a digest of its content (directories as entries too). */
  private static Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.toList()) {
        String key = root.relativize(p).toString();
        files.put(key, Files.isDirectory(p) ? "dir" : digest(Files.readAllBytes(p)));
      }
    }
    return files;
  }

  private static String digest(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted((a, b) -> b.compareTo(a)).toList()) {
        Files.delete(p);
      }
    }
  }
}
