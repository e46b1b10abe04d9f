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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code delineo ablate} on a tiny synthetic dataset: run directories, table, eval agreement, validation. */
class AblateCommandTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final DelineoCli cli = new DelineoCli(Commands.all(),
      new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

  @TempDir Path dir;
  private Path config;

  @BeforeEach
  void tinyConfig() throws IOException {
    Path data = dir.resolve("data");
    assertEquals(0, cli.run(new String[] {"data", "synth", "--kind", "scenes2d", "--out", data.toString(),
        "--size", "16,16", "--cases", "8", "--seed", "1"}), err.toString(StandardCharsets.UTF_8));
    config = dir.resolve("tiny.pbtxt");
    Files.writeString(config, "name: \"tiny\"\n"
        + "model { unet { channels: [4, 8, 16, 32, 64] } }\n"
        + "data { layout: SYNTHETIC_SCENES2D root: \"" + data + "\" batch_size: 2 num_workers: 1 }\n"
        + "schedule { total_steps: 3 warmup_steps: 0 }\n"
        + "eval { interval_steps: 3 }\n");
  }

  @Test
  void trainsEachEntryAndWritesOneTable() throws IOException {
    Path grid = dir.resolve("grid");
    assertEquals(0, cli.run(new String[] {"ablate", "--config", config.toString(), "--grid", "none;no-dice",
        "--workdir", grid.toString()}), err.toString(StandardCharsets.UTF_8));

    assertEquals(List.of(), provenanceAblations(grid.resolve("none")));
    assertEquals(List.of("no-dice"), provenanceAblations(grid.resolve("no-dice")));

    List<String> header = List.of("entry", "mIoU", "mDice", "aAcc");
    List<String> csv = Files.readAllLines(grid.resolve("ablation_table.csv"));
    assertEquals(3, csv.size(), csv.toString());
    assertEquals(header, Arrays.asList(csv.get(0).split(",")).subList(0, 4));
    assertTrue(csv.get(0).endsWith(",train_seconds,final_loss,error"), csv.get(0));
    assertTrue(csv.get(1).startsWith("none,") && csv.get(2).startsWith("no-dice,"), csv.toString());

    List<List<String>> md = markdownRows(Files.readString(grid.resolve("ablation_table.md")));
    assertEquals(3, md.size(), md.toString());
    assertEquals(header, md.get(0).subList(0, 4));
    assertEquals(Arrays.asList(csv.get(0).split(",")), md.get(0), "same columns in both files");
    assertEquals("none", md.get(1).get(0));
    assertEquals("no-dice", md.get(2).get(0));
    int errorColumn = md.get(0).indexOf("error");
    assertEquals("", md.get(1).get(errorColumn));
    assertEquals("", md.get(2).get(errorColumn));
    double loss = Double.parseDouble(md.get(1).get(md.get(0).indexOf("final_loss")));
    assertTrue(Double.isFinite(loss) && loss > 0, "final loss " + loss);
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("| none |"), "the table is printed");

    // The `none` row is what `delineo eval` reports for that run's best checkpoint.
    out.reset();
    assertEquals(0, cli.run(new String[] {"eval", "--config", config.toString(), "--checkpoint",
        grid.resolve("none/checkpoints/best").toString()}), err.toString(StandardCharsets.UTF_8));
    Matcher m = Pattern.compile("mIoU (\\S+)  mDice (\\S+)  mAcc \\S+  aAcc (\\S+)")
        .matcher(out.toString(StandardCharsets.UTF_8));
    assertTrue(m.find(), out.toString(StandardCharsets.UTF_8));
    assertEquals(m.group(1), md.get(1).get(1), "mIoU");
    assertEquals(m.group(2), md.get(1).get(2), "mDice");
    assertEquals(m.group(3), md.get(1).get(3), "aAcc");
    assertEquals(Double.parseDouble(m.group(1)), Double.parseDouble(csv.get(1).split(",")[1]), 0.005,
        "CSV mIoU (four decimals) rounds to eval's");
  }

  @Test
  void aFailingRunBecomesARowAndTheGridContinues() throws IOException {
    Path grid = dir.resolve("grid");
    // A huge learning rate makes the loss non-finite within the first steps of every run.
    assertEquals(1, cli.run(new String[] {"ablate", "--config", config.toString(), "--grid", "none;no-dice",
        "--set", "optimizer.lr=1e30", "--workdir", grid.toString()}), err.toString(StandardCharsets.UTF_8));
    List<List<String>> md = markdownRows(Files.readString(grid.resolve("ablation_table.md")));
    assertEquals(3, md.size(), md.toString());
    int errorColumn = md.get(0).indexOf("error");
    for (int row = 1; row <= 2; row++) {
      assertTrue(md.get(row).get(errorColumn).startsWith("loss is "), md.get(row).toString());
      assertEquals("", md.get(row).get(1), "no mIoU without a finished run");
    }
    assertTrue(Files.exists(grid.resolve("no-dice/provenance.json")), "the second run ran after the first failed");
  }

  @Test
  void trainExitsWithOneOnANonFiniteLoss() {
    assertEquals(1, cli.run(new String[] {"train", "--config", config.toString(), "--set", "optimizer.lr=1e30",
        "--workdir", dir.resolve("nan").toString()}), err.toString(StandardCharsets.UTF_8));
    // The stop names the step of the last progress line, and that line shows the non-finite loss.
    String log = out.toString(StandardCharsets.UTF_8);
    Matcher progress = Pattern.compile("(?m)^step (\\d+)/\\d+ .*  loss (\\S+)  lr").matcher(log);
    String lastStep = null;
    String lastLoss = null;
    while (progress.find()) {
      lastStep = progress.group(1);
      lastLoss = progress.group(2);
    }
    Matcher stop = Pattern.compile("(?m)^stopped: loss is (\\S+) at step (\\d+)").matcher(log);
    assertTrue(stop.find() && lastStep != null, log);
    assertEquals(stop.group(2), lastStep, log);
    assertTrue(Double.isNaN(Double.parseDouble(lastLoss)) || Double.isInfinite(Double.parseDouble(lastLoss)), log);
    assertEquals(stop.group(1), lastLoss, "the same value in both");
  }

  @Test
  void unknownAblationFailsBeforeAnyTraining() {
    Path grid = dir.resolve("grid");
    assertEquals(DelineoCli.USAGE_ERROR, cli.run(new String[] {"ablate", "--config", config.toString(),
        "--grid", "none;no-dice,no-dcie", "--workdir", grid.toString()}));
    String text = err.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("unknown ablation 'no-dcie'"), text);
    assertTrue(text.contains("valid ablations: no-dice, no-meta-drop"), text);
    assertFalse(Files.exists(grid), "nothing trained, not even the valid first entry");
  }

  /** The names in provenance.json's "ablations" array. */
  private static List<String> provenanceAblations(Path run) throws IOException {
    String json = Files.readString(run.resolve("provenance.json"));
    Matcher m = Pattern.compile("\"ablations\"\\s*:\\s*\\[(.*?)]", Pattern.DOTALL).matcher(json);
    assertTrue(m.find(), json);
    List<String> names = new ArrayList<>();
    Matcher name = Pattern.compile("\"([^\"]*)\"").matcher(m.group(1));
    while (name.find()) {
      names.add(name.group(1));
    }
    return names;
  }

  /** The cells of each Markdown table line except the |---| separator. */
  private static List<List<String>> markdownRows(String md) {
    List<List<String>> rows = new ArrayList<>();
    for (String line : md.split("\n")) {
      if (!line.startsWith("|") || line.startsWith("|---")) {
        continue;
      }
      String inner = line.substring(1, line.length() - 1);
      List<String> cells = new ArrayList<>();
      for (String cell : inner.split("\\|", -1)) {
        cells.add(cell.trim());
      }
      rows.add(cells);
    }
    return rows;
  }
}
