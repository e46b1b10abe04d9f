package org.delineo.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.ParseException;
import org.delineo.graph.DelineoException;
import org.delineo.training.distribute.WorkerCluster;
import org.delineo.training.distribute.WorkerGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code delineo train}'s worker options: a mistake in them, or a config a worker group cannot
 * train, fails with one line and exit status 2 before anything is written.
 */
class TrainClusterOptionsTest {
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final DelineoCli cli = new DelineoCli(Commands.all(),
      new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
      new PrintStream(err, true, StandardCharsets.UTF_8));

  @TempDir Path dir;

  private Path config(int batchSize) throws IOException {
    Path config = dir.resolve("tiny.pbtxt");
    Files.writeString(config, "name: \"tiny\"\n"
        + "model { unet { channels: [4, 8, 16, 32, 64] } }\n"
        + "data { layout: SYNTHETIC_SCENES2D root: \"" + dir.resolve("no-data") + "\" batch_size: " + batchSize
        + " }\n");
    return config;
  }

  private void assertRefused(String expected, String... options) throws IOException {
    Path run = dir.resolve("run");
    List<String> args = new java.util.ArrayList<>(List.of("train", "--config", config(3).toString(), "--workdir",
        run.toString()));
    args.addAll(List.of(options));
    assertEquals(2, cli.run(args.toArray(String[]::new)));
    assertEquals("delineo train: " + expected + System.lineSeparator(), err.toString(StandardCharsets.UTF_8));
    assertFalse(Files.exists(run), "nothing written");
  }

  @Test
  void anIndexOutsideTheClusterIsRefused() throws IOException {
    assertRefused("--task-index: expected a worker index in [0, 2) for the 2 worker(s) of --cluster, found 2",
        "--cluster", "127.0.0.1:2222,127.0.0.1:2223", "--task-index", "2");
  }

  @Test
  void aBatchThatDoesNotSplitAmongTheWorkersIsRefused() throws IOException {
    assertRefused("field 'data.batch_size': expected a multiple of the 2 workers, which take equal shares of"
        + " every batch, found 3", "--cluster", "127.0.0.1:2222,127.0.0.1:2223", "--task-index", "1");
  }

  @Test
  void lossScalingIsRefusedInAWorkerGroup() throws IOException {
    assertRefused("field 'runtime.precision': FP16 (dynamic loss scaling) is not supported with several worker"
        + " processes, each would skip non-finite steps on its own; expected FP32 or BF16",
        "--cluster", "127.0.0.1:2222", "--task-index", "0", "--set", "runtime.precision=FP16");
  }

  @Test
  void timeoutsWithoutAClusterAreRefused() throws IOException {
    assertRefused("--worker-timeout only applies to a run of several workers (--cluster or TF_CONFIG)",
        "--worker-timeout", "10");
  }

  @Test
  void aTimeoutMustBePositive() throws IOException {
    assertRefused("--sync-timeout: expected a positive number of seconds, found '0'",
        "--cluster", "127.0.0.1:2222", "--task-index", "0", "--sync-timeout", "0");
  }

  @Test
  void theGroupComesFromTfConfigUnlessTheFlagsSayOtherwise() throws ParseException {
    Map<String, String> env = Map.of(WorkerCluster.TF_CONFIG,
        "{\"cluster\": {\"worker\": [\"w0:2222\", \"w1:2222\"]}, \"task\": {\"type\": \"worker\", \"index\": 1}}");
    assertNull(TrainCommand.workerGroup(line(), name -> null));
    WorkerGroup fromEnv = TrainCommand.workerGroup(line(), env::get);
    assertEquals(new WorkerCluster(List.of("w0:2222", "w1:2222"), 1), fromEnv.cluster());
    WorkerGroup flagged = TrainCommand.workerGroup(line("--task-index", "0"), env::get);
    assertEquals(new WorkerCluster(List.of("w0:2222", "w1:2222"), 0), flagged.cluster());
    DelineoException e = assertThrows(DelineoException.class, () -> TrainCommand.workerGroup(line(),
        Map.of(WorkerCluster.TF_CONFIG, "{\"cluster\": {\"ps\": [\"p:1\"]}}")::get));
    assertEquals("TF_CONFIG: expected only the job 'worker' in field 'cluster' (Delineo trains by all-reduce among"
        + " workers, without parameter servers, a separate chief or an evaluator), found job 'ps'", e.getMessage());
  }

  private static CommandLine line(String... args) throws ParseException {
    return new DefaultParser().parse(new TrainCommand().options(), args);
  }
}
