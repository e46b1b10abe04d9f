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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.delineo.graph.io.JsonReader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * {@code delineo ablate --emit kubernetes|slurm}: the Kubernetes manifest, read back by SnakeYAML,
 * has the Indexed Job fields the scheduler needs and runs the grid's command word for word; the
 * sbatch script's directives are right and bash reads its command line back to the same words;
 * both record the grid in DIR/grid.json; a manifest without an image is refused. No training runs.
 */
class AblateEmitTest {
  /** Entries with spaces and ',' as well as ';': none of it may reach delineo changed. */
  private static final String GRID = "none; no-dice ;no-dice,no-meta-drop";

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final DelineoCli cli = new DelineoCli(Commands.all(),
      new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

  @TempDir Path dir;
  private Path config;
  private Path grid;

  @BeforeEach
  void tinyConfig() throws IOException {
    // A path a shell would split and unquote: the command must carry it as one word.
    config = dir.resolve("it's a $config.pbtxt");
    Files.writeString(config, "name: \"Tiny UNet\"\n"
        + "model { unet { channels: [4, 8, 16, 32, 64] } }\n"
        + "data { layout: SYNTHETIC_SCENES2D root: \"" + dir.resolve("data") + "\" batch_size: 2 num_workers: 1 }\n"
        + "schedule { total_steps: 2 warmup_steps: 0 }\n");
    grid = dir.resolve("grid");
  }

  @Test
  void kubernetesManifestIsAnIndexedJobRunningTheGridCommand() throws IOException {
    Path manifest = dir.resolve("job.yaml");
    assertEquals(0, cli.run(new String[] {"ablate", "--config", config.toString(), "--grid", GRID,
        "--set", "optimizer.lr=0.02", "--workdir", grid.toString(), "--emit", "kubernetes", "--image",
        "registry.example/delineo:1.0", "--out", manifest.toString()}), err());

    Map<String, Object> job = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(manifest));
    assertEquals("batch/v1", job.get("apiVersion"));
    assertEquals("Job", job.get("kind"));
    assertEquals("tiny-unet-ablate", map(job, "metadata").get("name"));
    Map<String, Object> spec = map(job, "spec");
    assertEquals("Indexed", spec.get("completionMode"));
    assertEquals(3, spec.get("completions"));
    assertEquals(3, spec.get("parallelism"), "default: every entry at once");
    assertEquals(2, spec.get("backoffLimitPerIndex"));
    Map<String, Object> failIndex = maps(map(spec, "podFailurePolicy"), "rules").get(0);
    assertEquals("FailIndex", failIndex.get("action"));
    assertEquals(List.of(2), map(failIndex, "onExitCodes").get("values"), "a usage error is not retried");

    Map<String, Object> pod = map(map(spec, "template"), "spec");
    assertEquals("Never", pod.get("restartPolicy"));
    List<Map<String, Object>> containers = maps(pod, "containers");
    assertEquals(1, containers.size());
    Map<String, Object> container = containers.get(0);
    assertEquals("ablate", container.get("name"), "the name the failure policy refers to");
    assertEquals(map(failIndex, "onExitCodes").get("containerName"), container.get("name"));
    assertEquals("registry.example/delineo:1.0", container.get("image"));
    assertEquals(List.of("delineo", "ablate", "--config", config.toString(), "--set", "optimizer.lr=0.02",
        "--grid", GRID, "--workdir", grid.toString()), container.get("command"));
    assertEquals(Map.of("nvidia.com/gpu", 1), map(map(container, "resources"), "limits"));
    Map<String, Object> mount = maps(container, "volumeMounts").get(0);
    assertEquals(grid.toString(), mount.get("mountPath"));
    Map<String, Object> volume = maps(pod, "volumes").get(0);
    assertEquals(mount.get("name"), volume.get("name"));
    assertEquals("delineo-runs", map(volume, "persistentVolumeClaim").get("claimName"));

    Map<?, ?> record = (Map<?, ?>) JsonReader.parse(Files.readString(grid.resolve("grid.json")));
    assertEquals(List.of("none", "no-dice", "no-dice+no-meta-drop"), record.get("entries"));
    assertEquals(GRID, record.get("grid"));
  }

  @Test
  void kubernetesOptionsReachTheManifest() throws IOException {
    assertEquals(0, cli.run(new String[] {"ablate", "--config", config.toString(), "--grid", GRID, "--workdir",
        grid.toString(), "--emit", "kubernetes", "--image", "img", "--gpus", "2", "--parallelism", "1", "--pvc",
        "lab-runs", "--mount", dir.toString(), "--job-name", "abl-7"}), err());
    // Without --out the manifest goes to standard output, alone.
    Map<String, Object> job = new Yaml(new SafeConstructor(new LoaderOptions())).load(out.toString(StandardCharsets.UTF_8));
    Map<String, Object> spec = map(job, "spec");
    assertEquals("abl-7", map(job, "metadata").get("name"));
    assertEquals(1, spec.get("parallelism"));
    assertEquals(3, spec.get("completions"));
    Map<String, Object> pod = map(map(spec, "template"), "spec");
    assertEquals(Map.of("nvidia.com/gpu", 2), map(map(maps(pod, "containers").get(0), "resources"), "limits"));
    assertEquals("lab-runs", map(maps(pod, "volumes").get(0), "persistentVolumeClaim").get("claimName"));
    assertEquals(dir.toString(), maps(maps(pod, "containers").get(0), "volumeMounts").get(0).get("mountPath"),
        "the claim holds the grid directory below its mount");
  }

  @Test
  void slurmScriptIsAnArrayJobWhoseCommandBashReadsBackIntact() throws Exception {
    Path script = dir.resolve("job.sbatch");
    assertEquals(0, cli.run(new String[] {"ablate", "--config", config.toString(), "--grid", GRID,
        "--workdir", grid.toString(), "--split", "test", "--emit", "slurm", "--parallelism", "2",
        "--out", script.toString()}), err());
    List<String> lines = Files.readAllLines(script);
    assertEquals("#!/bin/bash", lines.get(0));
    List<String> directives = lines.stream().filter(l -> l.startsWith("#SBATCH ")).toList();
    assertEquals(List.of("#SBATCH --job-name=tiny-unet-ablate", "#SBATCH --array=0-2%2", "#SBATCH --gres=gpu:1",
        "#SBATCH --output=%x-%A_%a.out"), directives);
    // sbatch reads directives only up to the first command.
    int firstCommand = 0;
    while (lines.get(firstCommand).startsWith("#")) {
      firstCommand++;
    }
    assertTrue(lines.indexOf(directives.get(directives.size() - 1)) < firstCommand, lines.toString());

    assertEquals("", bash("-n", script.toString()), "bash parses the script");
    String command = lines.get(lines.size() - 1);
    assertTrue(command.startsWith("delineo ablate "), command);
    // bash splits and unquotes the line; a function standing in for delineo prints each word.
    String words = bash("-c", "delineo() { printf '%s\\0' \"$@\"; }; " + command);
    assertEquals(List.of("ablate", "--config", config.toString(), "--grid", GRID, "--workdir", grid.toString(),
        "--split", "test"), List.of(words.split("\0")));
    assertTrue(Files.isRegularFile(grid.resolve("grid.json")));
  }

  @Test
  void kubernetesWithoutAnImageIsRefusedAndNothingIsWritten() {
    Path manifest = dir.resolve("job.yaml");
    assertEquals(DelineoCli.USAGE_ERROR, cli.run(new String[] {"ablate", "--config", config.toString(), "--grid",
        GRID, "--workdir", grid.toString(), "--emit", "kubernetes", "--out", manifest.toString()}));
    assertEquals("delineo ablate: --emit kubernetes: expected --image IMAGE (a container image with delineo on its"
        + " PATH), found none\n", err());
    assertFalse(Files.exists(manifest));
    assertFalse(Files.exists(grid));
  }

  @Test
  void shellQuotingSurvivesQuotesAndLineBreaks() throws Exception {
    List<String> words = List.of("plain-1.0", "a;b", "it's", "$HOME `x` \"q\"", "two\nlines\ttab", "");
    String line = ShellWords.join(words);
    assertFalse(line.contains("\n"), "one line: " + line);
    String printed = bash("-c", "printf '%s\\0' " + line);
    assertEquals(words, List.of(printed.split("\0", -1)).subList(0, words.size()));
  }

  @Test
  void yamlScalarsReadBackAsTheirStrings() {
    Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
    for (String s : List.of("a;b, c", "it's \"q\" \\ #1: {x} [y] &z *w !t", "tab\tline\nbreak", "del\u007f nel\u0085",
        "sep\u2028", "ünï ✓", "", "- 3", "true", "0x1F")) {
      Map<String, Object> doc = yaml.load("v: " + KubernetesIndexedJob.q(s));
      assertEquals(s, doc.get("v"), KubernetesIndexedJob.q(s));
    }
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Map<String, Object> parent, String key) {
    assertTrue(parent.get(key) instanceof Map, key + " in " + parent);
    return (Map<String, Object>) parent.get(key);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> maps(Map<String, Object> parent, String key) {
    assertTrue(parent.get(key) instanceof List, key + " in " + parent);
    return (List<Map<String, Object>>) parent.get(key);
  }

  /** bash's standard output for {@code args}; fails the test on a non-zero exit. */
  private static String bash(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("bash"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(20, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), text);
    return text;
  }
}
