package org.delineo.training.distribute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.delineo.graph.io.JsonReader;
import org.delineo.training.checkpoint.CheckpointManager;
import org.delineo.training.cli.Commands;
import org.delineo.training.cli.DelineoCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code delineo train --cluster ... --task-index i} with two worker processes on 127.0.0.1:
 * they train the loss curve of one process on the same global batch, only worker 0 writes, a
 * killed worker makes the other fail within the timeouts with one clear line, and both continue
 * with {@code --resume} from worker 0's checkpoint.
 *
 * <p>The model is the quickstart's tiny UNet without dropout (dropout masks are drawn per batch,
 * so a worker's half batch would draw other masks), with {@code model.norm: SYNC_BATCH}: its
 * batch-norm statistics are averaged over the two workers, so they are those of the whole batch,
 * which is what one process computes with plain batch norm on it; plain SGD makes a step
 * w - lr g. The synthetic scenes' ignored pixels are relabelled to class 0 first: each worker's
 * cross-entropy is a mean over its own valid pixels and the workers average those means (as the
 * towers and PyTorch's DDP do), which equals one process's mean over the whole batch only when
 * every worker holds as many valid pixels (with the ignored blobs, steps 2 and 3 differed by 2e-4
 * to 5e-4 relative). The whole loss curve then matches one process to float rounding.
 */
class WorkerTrainingTest {
  private static final double START_SECONDS = 240;

  @TempDir Path dir;

  @Test
  void twoWorkersTrainLikeOneProcessThenFailTogetherAndResume() throws Exception {
    Path config = tinyConfig();
    // One process, the reference: the whole batch of 2 in every step.
    Path single = dir.resolve("single");
    cli("train", "--config", config.toString(), "--workdir", single.toString());
    List<Double> expected = losses(single);
    assertEquals(3, expected.size());
    // The same data parallelism within one process: two towers on two CPU devices.
    Path towers = dir.resolve("towers");
    cli("train", "--config", config.toString(), "--workdir", towers.toString(), "--set", "runtime.replicas=2");
    List<Double> inProcess = losses(towers);

    Path multi = dir.resolve("multi");
    List<String> common = List.of("train", "--config", config.toString(), "--workdir", multi.toString(),
        "--worker-timeout", "60", "--sync-timeout", "120");
    try (WorkerProcesses processes = new WorkerProcesses()) {
      List<WorkerProcesses.Worker> workers = startWorkers(processes, common);
      for (WorkerProcesses.Worker w : workers) {
        assertEquals(0, w.exitStatus(START_SECONDS), w.describe());
      }
    }
    List<Double> actual = losses(multi);
    assertEquals(expected.size(), actual.size(), "one metrics line per step, written by worker 0 alone");
    String curves = "; one process " + expected + ", two towers " + inProcess + ", two workers " + actual;
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(inProcess.get(i), actual.get(i), 1e-6 * inProcess.get(i), "loss of step " + (i + 1) + curves);
      assertEquals(expected.get(i), actual.get(i), 1e-5 * expected.get(i), "loss of step " + (i + 1) + curves);
    }
    try (Stream<Path> events = Files.list(multi.resolve("events"))) {
      assertEquals(1, events.count(), "event files: worker 0's alone");
    }

    // Continue for many steps and kill worker 1 once it has started: worker 0 fails alone.
    List<String> resume = new ArrayList<>(List.of("train", "--resume", "--force", "--workdir", multi.toString(),
        "--set", "schedule.total_steps=1000", "--worker-timeout", "4", "--sync-timeout", "15"));
    try (WorkerProcesses processes = new WorkerProcesses()) {
      List<WorkerProcesses.Worker> workers = startWorkers(processes, resume);
      workers.get(1).await(START_SECONDS, "worker 1 of 2: starting at step 3");
      workers.get(0).await(START_SECONDS, "step 4:");
      workers.get(1).kill();
      long killed = System.nanoTime();
      int status = workers.get(0).exitStatus(START_SECONDS);
      double seconds = (System.nanoTime() - killed) / 1e9;
      assertNotEquals(0, status, workers.get(0).describe());
      assertTrue(seconds < 15 + 20, "worker 0 failed " + seconds + " s after the kill; " + workers.get(0).describe());
      String error = workers.get(0).stderrLines().stream().filter(l -> l.startsWith("delineo train:"))
          .findFirst().orElseThrow(() -> new AssertionError(workers.get(0).describe()));
      assertTrue(error.startsWith("delineo train: worker 0 of 2 failed at "), error);
      assertTrue(error.contains("restart every worker"), error);
    }

    // Both resume from worker 0's latest checkpoint and finish two steps later.
    long latest = latestStep(multi);
    assertTrue(latest >= 4, "worker 0 checkpointed every step it evaluated; latest " + latest);
    resume.set(resume.indexOf("schedule.total_steps=1000"), "schedule.total_steps=" + (latest + 2));
    try (WorkerProcesses processes = new WorkerProcesses()) {
      List<WorkerProcesses.Worker> workers = startWorkers(processes, resume);
      workers.get(0).await(START_SECONDS, "resumed from ");
      workers.get(1).await(START_SECONDS, "worker 1 of 2: starting at step " + latest);
      for (WorkerProcesses.Worker w : workers) {
        assertEquals("finished at step " + (latest + 2), w.await(START_SECONDS, "finished at step"));
        assertEquals(0, w.exitStatus(START_SECONDS), w.describe());
      }
    }
    assertEquals(latest + 2, latestStep(multi));
  }

  private List<WorkerProcesses.Worker> startWorkers(WorkerProcesses processes, List<String> args) {
    String cluster = String.join(",", WorkerProcesses.freeAddresses(2));
    List<WorkerProcesses.Worker> workers = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      List<String> worker = new ArrayList<>(args);
      worker.addAll(List.of("--cluster", cluster, "--task-index", "" + i));
      workers.add(processes.start(DelineoCli.class, dir, worker));
    }
    return workers;
  }

  private Path tinyConfig() throws IOException {
    Path data = dir.resolve("data");
    cli("data", "synth", "--kind", "scenes2d", "--out", data.toString(), "--cases", "8", "--seed", "1");
    relabelIgnored(data);
    Path config = dir.resolve("tiny.pbtxt");
    Files.writeString(config, "name: \"tiny\"\n"
        + "model { unet { channels: [4, 8, 16, 32, 64] encoder_dropout: [0, 0, 0, 0, 0] } norm: SYNC_BATCH }\n"
        + "data { layout: SYNTHETIC_SCENES2D root: \"" + data + "\" batch_size: 2 num_workers: 1 }\n"
        + "optimizer { sgd { momentum: 0 } lr: 0.1 weight_decay: 0 }\n"
        + "schedule { constant {} total_steps: 3 warmup_steps: 0 }\n"
        + "eval { interval_steps: 1 max_cases: 1 }\n");
    return config;
  }

  /** Rewrites every label PNG under {@code data} with its ignored pixels (255) as class 0. */
  private static void relabelIgnored(Path data) throws IOException {
    List<Path> labels;
    try (Stream<Path> files = Files.walk(data)) {
      labels = files.filter(f -> f.getParent().getFileName().toString().equals("labels")
          && f.toString().endsWith(".png")).toList();
    }
    assertFalse(labels.isEmpty(), "label maps under " + data);
    for (Path file : labels) {
      BufferedImage image = ImageIO.read(file.toFile());
      WritableRaster raster = image.getRaster();
      for (int y = 0; y < raster.getHeight(); y++) {
        for (int x = 0; x < raster.getWidth(); x++) {
          if (raster.getSample(x, y, 0) == 255) {
            raster.setSample(x, y, 0, 0);
          }
        }
      }
      ImageIO.write(image, "png", file.toFile());
    }
  }

  private static void cli(String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    DelineoCli cli = new DelineoCli(Commands.all(), new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, cli.run(args), err.toString(StandardCharsets.UTF_8));
  }

  /** The training loss of every evaluated step, in order, from metrics.jsonl. */
  private static List<Double> losses(Path run) throws IOException {
    List<Double> losses = new ArrayList<>();
    for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
      Map<?, ?> record = (Map<?, ?>) JsonReader.parse(line);
      assertEquals((long) losses.size() + 1, record.get("step"));
      losses.add(((Number) record.get("train/loss")).doubleValue());
    }
    assertFalse(losses.isEmpty());
    return losses;
  }

  private static long latestStep(Path run) {
    Path latest = CheckpointManager.latestIn(run.resolve("checkpoints")).orElseThrow();
    return Long.parseLong(latest.getFileName().toString().replace("ckpt-", ""));
  }
}
