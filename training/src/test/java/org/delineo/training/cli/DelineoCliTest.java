package org.delineo.training.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DelineoCliTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final DelineoCli cli = new DelineoCli(Commands.all(),
      new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

  @Test
  void helpListsEveryCommand() {
    assertEquals(0, cli.run(new String[] {"--help"}));
    String text = out.toString(StandardCharsets.UTF_8);
    for (Command c : Commands.all()) {
      assertTrue(text.contains(c.name()) && text.contains(c.summary()), text);
    }
  }

  @Test
  void unknownCommandListsValidOnes() {
    assertEquals(DelineoCli.USAGE_ERROR, cli.run(new String[] {"trian"}));
    String text = err.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("unknown command 'trian'") && text.contains("info"), text);
  }

  @Test
  void infoReportsTheLoadedRuntime() {
    assertEquals(0, cli.run(new String[] {"info"}));
    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("tensorflow        2.18"), text);
    assertTrue(text.contains("gpu executes ops"), text);
  }

  @Test
  void configPrintsTheResolvedConfigWithDefaultsAndOverrides(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws java.io.IOException {
    java.nio.file.Path file = dir.resolve("x.pbtxt");
    java.nio.file.Files.writeString(file, "name: \"x\"\noptimizer { adamw { } }\n");
    assertEquals(0, cli.run(new String[] {"config", "--config", file.toString(), "--set", "optimizer.lr=0.5"}));
    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("lr: 0.5"), text);
    // Schema defaults made explicit: Adam's beta2 (0.999) and the optimizer's weight decay (5e-4).
    assertTrue(text.contains("beta2: 0.999"), text);
    assertTrue(text.contains("weight_decay: 5.0E-4"), text);
  }

  @Test
  void badOverrideIsAUsageErrorNamingTheField(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws java.io.IOException {
    java.nio.file.Path file = dir.resolve("x.pbtxt");
    java.nio.file.Files.writeString(file, "name: \"x\"\n");
    assertEquals(DelineoCli.USAGE_ERROR,
        cli.run(new String[] {"config", "--config", file.toString(), "--set", "optimizer.lrr=1"}));
    String text = err.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("optimizer.lrr"), text);
  }
}
