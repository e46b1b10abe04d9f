package org.delineo.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.delineo.training.data.BratsLayout;
import org.delineo.training.data.Split;
import org.delineo.training.data.brats.ModalitySplitCsv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code delineo data mask-split} writes a CSV covering exactly the split's cases. */
class MaskSplitCommandTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final DelineoCli cli = new DelineoCli(Commands.all(),
      new PrintStream(out, true, StandardCharsets.UTF_8),
      new PrintStream(err, true, StandardCharsets.UTF_8));

  @Test
  void writesOneMaskPerTrainingCase(@TempDir Path root) throws IOException {
    // Case folders are indexed by file name only; the files are never decoded here.
    for (int i = 0; i < 12; i++) {
      String id = String.format("BraTS_%03d", i);
      Files.createDirectories(root.resolve(id));
      Files.createFile(root.resolve(id).resolve(id + "_flair.nii.gz"));
    }
    Path csv = root.resolve("split.csv");
    assertEquals(0, cli.run(new String[] {"data", "mask-split", "--root", root.toString(),
        "--rates", "flair=0.6,t1ce=0.4,t1=0.2,t2=0.8", "--out", csv.toString(), "--seed", "3"}),
        err.toString(StandardCharsets.UTF_8));
    ModalitySplitCsv read = ModalitySplitCsv.read(csv);
    assertEquals(new BratsLayout(root).ids(Split.TRAIN), read.masks().keySet().stream().toList());
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("realised missing rates"));

    assertEquals(DelineoCli.USAGE_ERROR, cli.run(new String[] {"data", "mask-split", "--root",
        root.toString(), "--rates", "flair=0.6", "--out", csv.toString()}));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("t1ce"),
        err.toString(StandardCharsets.UTF_8));
  }
}
