package org.delineo.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code delineo bench} on a tiny UNet: the timing line, and {@code --trace} with its op table and file. */
class BenchCommandTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final DelineoCli cli = new DelineoCli(Commands.all(),
      new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

  private Path tinyConfig(Path dir) throws IOException {
    Path data = dir.resolve("data");
    assertEquals(0, cli.run(new String[] {"data", "synth", "--kind", "scenes2d", "--out", data.toString(),
        "--cases", "4", "--seed", "1"}), err.toString(StandardCharsets.UTF_8));
    Path config = dir.resolve("tiny.pbtxt");
    Files.writeString(config, "name: \"tiny\"\n"
        + "model { unet { channels: [4, 8, 16, 32, 64] } }\n"
        + "data { layout: SYNTHETIC_SCENES2D root: \"" + data + "\" batch_size: 2 num_workers: 1 crop_size: [32, 32] }\n"
        + "schedule { total_steps: 10 warmup_steps: 0 }\n");
    return config;
  }

  @Test
  void traceWritesAChromeTimelineAndPrintsTheTopOps(@TempDir Path dir) throws IOException {
    Path config = tinyConfig(dir);
    out.reset();
    Path trace = dir.resolve("trace.json");
    assertEquals(0, cli.run(new String[] {"bench", "--config", config.toString(), "--steps", "2", "--warmup", "1",
        "--trace", trace.toString()}), err.toString(StandardCharsets.UTF_8));
    String printed = out.toString(StandardCharsets.UTF_8);
    assertTrue(printed.contains("median step"), printed);
    assertTrue(printed.contains("op types by summed time"), printed);
    assertTrue(printed.contains("Conv2D"), "a UNet step runs convolutions: " + printed);
    assertTrue(printed.contains("step tensors peak at") && printed.contains(" <- "), "what holds the peak: " + printed);
    String json = Files.readString(trace);
    assertTrue(json.startsWith("{") && json.contains("\"traceEvents\":[") && json.contains("\"ph\":\"X\""), json);
    assertTrue(json.contains("Conv2DBackpropFilter"), "the traced step includes the backward pass");

    out.reset();
    assertEquals(0, cli.run(new String[] {"bench", "--config", config.toString(), "--steps", "1", "--warmup", "0",
        "--trace", trace.toString(), "--json"}), err.toString(StandardCharsets.UTF_8));
    String line = out.toString(StandardCharsets.UTF_8).trim();
    assertTrue(line.startsWith("{\"steps\":1,\"median_step_ms\":") && line.contains("\"top_ops\":[{")
        && line.contains("\"peak_holders\":[{") && line.contains("\"allocator_peak_mb\":"), line);
  }

  @Test
  void traceIntoAMissingFolderFailsBeforeRunning(@TempDir Path dir) throws IOException {
    Path config = tinyConfig(dir);
    err.reset();
    Path trace = dir.resolve("nope/trace.json");
    assertEquals(DelineoCli.USAGE_ERROR, cli.run(new String[] {"bench", "--config", config.toString(), "--steps", "1",
        "--trace", trace.toString()}));
    String message = err.toString(StandardCharsets.UTF_8).trim();
    assertTrue(message.contains("--trace") && message.contains("does not exist"), message);
    assertEquals(1, message.lines().count(), message);
    assertFalse(Files.exists(dir.resolve("nope")));
  }
}
