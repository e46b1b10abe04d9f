package org.delineo.training.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.TensorFlow;

class RunDirectoryTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2024-03-05T14:07:09Z"), ZoneOffset.UTC);

  @Test
  void createsAUniqueTimestampedDirectoryWithSubdirectories(@TempDir Path base) {
    RunDirectory first = RunDirectory.create(base.resolve("runs"), "unet", CLOCK);
    RunDirectory second = RunDirectory.create(base.resolve("runs"), "unet", CLOCK);
    assertEquals(base.resolve("runs/unet-20240305-140709"), first.path());
    assertEquals(base.resolve("runs/unet-20240305-140709-2"), second.path());
    assertTrue(Files.isDirectory(first.checkpoints()) && Files.isDirectory(first.events()));
    assertEquals(first.path().resolve("metrics.jsonl"), first.metricsFile());
    assertEquals(first.path(), RunDirectory.open(first.path()).path());
    assertThrows(DelineoException.class, () -> RunDirectory.create(base, "../escape", CLOCK));
    assertThrows(DelineoException.class, () -> RunDirectory.open(base.resolve("missing")));
  }

  @Test
  void writesConfigAndProvenance(@TempDir Path base) throws Exception {
    RunDirectory run = RunDirectory.create(base, "quick", CLOCK);
    String config = "model { name: \"unet\" }\n";
    run.writeConfig(config);
    assertEquals(config, Files.readString(run.path().resolve("config.pbtxt")));

    Provenance p = Provenance.collect(1024, List.of("no-dice"), 2, 1, "CPU");
    run.writeProvenance(p);
    String json = Files.readString(run.path().resolve("provenance.json"));
    assertTrue(json.startsWith("{\n  \"project_version\": "), json);
    assertTrue(json.contains("\"seed\": 1024,"), json);
    assertTrue(json.contains("\"ablations\": [\n    \"no-dice\"\n  ],"), json);
    assertTrue(json.contains("\"tensorflow_version\": \"" + TensorFlow.version() + "\""), json);
    assertTrue(json.contains("\"intra_op_threads\": 2,") && json.contains("\"inter_op_threads\": 1,"), json);
    assertTrue(json.contains("\"device\": \"CPU\""), json);
    assertTrue(json.contains("\"java_version\": \"" + System.getProperty("java.version") + "\""), json);
    assertTrue(json.contains("\"start_time\": \"" + p.startTime() + "\""), json);
    assertTrue(json.endsWith("}\n"), json);
    // Inside this git checkout the commit is found; either way it is a full hash or null.
    assertTrue(p.gitCommit() == null || p.gitCommit().matches("[0-9a-f]{40}"), p.gitCommit());
    assertTrue(json.contains("\"git_commit\": " + (p.gitCommit() == null ? "null" : "\"" + p.gitCommit() + "\"")), json);
  }

  @Test
  void recordedAblationsReadTheJsonWrittenAndHandEditedProvenance(@TempDir Path base) throws Exception {
    RunDirectory run = RunDirectory.create(base, "quick", CLOCK);
    assertNull(run.recordedAblations(), "no provenance.json yet");
    run.writeProvenance(Provenance.collect(7, List.of("no-dice", "no-aux"), 1, 1, "CPU"));
    assertEquals(List.of("no-dice", "no-aux"), run.recordedAblations());

    Path file = run.path().resolve("provenance.json");
    // Hand-edited: a unicode escape (u0064 is d) and an "ablations" key inside another object that must not count.
    Files.writeString(file, "{\"other\": {\"ablations\": [\"x\"]}, \"ablations\": [\"no-\\u0064ice\"]}");
    assertEquals(List.of("no-dice"), run.recordedAblations());
    Files.writeString(file, "{\"seed\": 7}");
    assertEquals(List.of(), run.recordedAblations());
  }

  @Test
  void aDamagedProvenanceFailsNamingTheFile(@TempDir Path base) throws Exception {
    RunDirectory run = RunDirectory.create(base, "quick", CLOCK);
    Path file = run.path().resolve("provenance.json");
    Files.writeString(file, "{\"ablations\": [\"no-dice\"");
    DelineoException e = assertThrows(DelineoException.class, run::recordedAblations);
    assertEquals(file + ": malformed JSON at offset 24: expected ',' or ']' but found end of input", e.getMessage());
    Files.writeString(file, "{\"ablations\": \"no-dice\"}");
    e = assertThrows(DelineoException.class, run::recordedAblations);
    assertEquals(file + ": \"ablations\": expected an array of strings, found no-dice", e.getMessage());
  }

  @Test
  void gitCommitIsNullOutsideARepository(@TempDir Path notARepo) {
    assertNull(Provenance.gitCommit(notARepo));
  }
}
