package org.delineo.training.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.delineo.training.data.io.NpyArray;
import org.delineo.training.data.io.NpyReader;
import org.delineo.training.data.io.NpyWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code delineo loss} on .npy files. Uniform logits over K = 3 classes make the values closed forms:
 * CE = ln 3 per valid pixel, its gradient (1/3 − y)/n_valid, softmax focal with γ = 0 is α·CE.
 */
class LossCommandTest {
  private static final int[] LABELS = {0, 1, 2, 255}; // [1, 2, 2]: three valid pixels
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final DelineoCli cli = new DelineoCli(Commands.all(),
      new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

  @Test
  void crossEntropyValueAndGradientInBothLayouts(@TempDir Path dir) {
    Path labels = write(dir, "y.npy", NpyArray.ofInts(LABELS, 1, 2, 2));
    Path nhwc = write(dir, "x.npy", NpyArray.ofFloats(new float[12], 1, 2, 2, 3));
    Path nchw = write(dir, "xc.npy", NpyArray.ofFloats(new float[12], 1, 3, 2, 2));
    Path grad = dir.resolve("g.npy");
    assertEquals(0, run("loss", "--name", "cross_entropy", "--logits", nhwc.toString(), "--labels",
        labels.toString(), "--grad-out", grad.toString(), "--json"));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("\"value\":" + (float) Math.log(3)), out.toString(StandardCharsets.UTF_8));
    float third = 1f / 3;
    float[] expected = new float[12];
    for (int p = 0; p < 4; p++) {
      for (int k = 0; k < 3; k++) {
        expected[p * 3 + k] = LABELS[p] == 255 ? 0 : (third - (LABELS[p] == k ? 1 : 0)) / 3;
      }
    }
    assertArrayEquals(expected, NpyReader.read(grad).floats(), 1e-6f);
    assertEquals(0, run("loss", "--name", "cross_entropy", "--layout", "nchw", "--logits", nchw.toString(),
        "--labels", labels.toString(), "--grad-out", grad.toString()));
    float[] channelsFirst = new float[12];
    for (int k = 0; k < 3; k++) {
      for (int p = 0; p < 4; p++) {
        channelsFirst[k * 4 + p] = expected[p * 3 + k];
      }
    }
    assertArrayEquals(channelsFirst, NpyReader.read(grad).floats(), 1e-6f);
  }

  @Test
  void termParametersAndHeadConfigs(@TempDir Path dir) throws IOException {
    Path labels = write(dir, "y.npy", NpyArray.ofInts(LABELS, 1, 2, 2));
    Path logits = write(dir, "x.npy", NpyArray.ofFloats(new float[12], 1, 2, 2, 3));
    assertEquals(0, run("loss", "--name", "focal", "--param", "gamma=0", "--param", "alpha=0.25",
        "--logits", logits.toString(), "--labels", labels.toString()));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("focal = " + (float) (0.25 * Math.log(3))),
        out.toString(StandardCharsets.UTF_8));
    Path head = dir.resolve("head.pbtxt");
    Files.writeString(head, "terms { cross_entropy {} } terms { weight: 2 cross_entropy {} }");
    out.reset();
    assertEquals(0, run("loss", "--head-config", head.toString(), "--logits", logits.toString(),
        "--labels", labels.toString(), "--json"));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("\"value\":" + (float) (3 * Math.log(3))),
        out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void badNamesAndShapesAreUsageErrors(@TempDir Path dir) {
    Path labels = write(dir, "y.npy", NpyArray.ofInts(LABELS, 1, 2, 2));
    Path logits = write(dir, "x.npy", NpyArray.ofFloats(new float[12], 1, 2, 2, 3));
    assertEquals(DelineoCli.USAGE_ERROR, run("loss", "--name", "focl", "--logits", logits.toString(),
        "--labels", labels.toString()));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("lovasz"), err.toString(StandardCharsets.UTF_8));
    assertEquals(DelineoCli.USAGE_ERROR, run("loss", "--name", "dice", "--layout", "nchw", "--logits",
        logits.toString(), "--labels", labels.toString()));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("expected shape [1, 2, 3]"), err.toString(StandardCharsets.UTF_8));
  }

  private int run(String... args) {
    return cli.run(args);
  }

  private static Path write(Path dir, String name, NpyArray array) {
    Path p = dir.resolve(name);
    NpyWriter.write(p, array);
    return p;
  }
}
