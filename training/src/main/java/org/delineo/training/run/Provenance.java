package org.delineo.training.run;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.delineo.graph.io.JsonFormatException;
import org.delineo.graph.io.JsonReader;
import org.delineo.proto.ExperimentConfig;
import org.tensorflow.TensorFlow;

/**
 * Where a run came from, written to {@code provenance.json} so a result can be traced to the code,
 * settings and machine that produced it. Each checkpoint nests it in its own record
 * ({@link CheckpointProvenance}), and an export carries that on into the SavedModel.
 *
 * @param projectVersion Delineo's version from the jar manifest or Maven properties, "unknown"
 *     when run from class folders
 * @param gitCommit {@code git rev-parse HEAD} of the working directory, or null when unavailable
 * @param seed the run's base seed
 * @param ablations names of the ablation modules applied, in order
 * @param tensorflowVersion the TensorFlow runtime's version
 * @param intraOpThreads configured threads inside one op (0 = TensorFlow's choice)
 * @param interOpThreads configured ops run in parallel (0 = TensorFlow's choice)
 * @param availableProcessors processors the JVM sees
 * @param device the device the graph runs on, as configured or detected (e.g. "CPU")
 * @param javaVersion the JVM's {@code java.version}
 * @param host the machine's host name
 * @param startTime when the run started
 */
public record Provenance(
    String projectVersion,
    String gitCommit,
    long seed,
    List<String> ablations,
    String tensorflowVersion,
    int intraOpThreads,
    int interOpThreads,
    int availableProcessors,
    String device,
    String javaVersion,
    String host,
    Instant startTime) {

  private static final long GIT_TIMEOUT_MILLIS = 2000;

  public Provenance {
    ablations = List.copyOf(ablations);
  }

  /** Collects the facts this process can find out; the caller supplies the run's settings. */
  public static Provenance collect(
      long seed, List<String> ablations, int intraOpThreads, int interOpThreads, String device) {
    return new Provenance(detectProjectVersion(), gitCommit(Path.of("").toAbsolutePath()), seed,
        ablations, TensorFlow.version(), intraOpThreads, interOpThreads,
        Runtime.getRuntime().availableProcessors(), device, System.getProperty("java.version"),
        hostName(), Instant.now());
  }

  /**
   * The provenance of a training process for {@code config} with the named ablations: its seed,
   * threads and device as configured, the rest as this process finds them.
   */
  public static Provenance of(ExperimentConfig config, List<String> ablations) {
    return collect(config.getRuntime().getSeed(), ablations, config.getRuntime().getIntraOpThreads(),
        config.getRuntime().getInterOpThreads(), config.getRuntime().getDevice().name());
  }

  /** The JSON object written to provenance.json (field names in snake_case). */
  public String toJson() {
    return Json.writePretty(toMap());
  }

  /** The fields of {@link #toJson}, in its order, for records that nest this one. */
  Map<String, Object> toMap() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("project_version", projectVersion);
    json.put("git_commit", gitCommit);
    json.put("seed", seed);
    json.put("ablations", ablations);
    json.put("tensorflow_version", tensorflowVersion);
    json.put("intra_op_threads", intraOpThreads);
    json.put("inter_op_threads", interOpThreads);
    json.put("available_processors", availableProcessors);
    json.put("device", device);
    json.put("java_version", javaVersion);
    json.put("host", host);
    json.put("start_time", startTime.toString());
    return json;
  }

  /**
   * The code and machine of this process (project version, git commit, TensorFlow and Java
   * versions, host), for records of work other than training, such as an export.
   */
  public static Map<String, Object> codeAndMachine() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("project_version", detectProjectVersion());
    json.put("git_commit", gitCommit(Path.of("").toAbsolutePath()));
    json.put("tensorflow_version", TensorFlow.version());
    json.put("java_version", System.getProperty("java.version"));
    json.put("host", hostName());
    return json;
  }

  /**
   * The {@code "ablations"} array of a provenance.json written by {@link #toJson} (an empty list
   * when absent).
   *
   * @param source where {@code json} came from (e.g. the file), named by errors
   * @throws JsonFormatException naming {@code source} when the text is not a JSON object or its
   *     {@code "ablations"} is not an array of strings
   */
  public static List<String> ablationsIn(String json, String source) {
    if (!(JsonReader.parse(json, source) instanceof Map<?, ?> document)) {
      throw new JsonFormatException(source + ": expected a JSON object");
    }
    Object ablations = document.get("ablations");
    if (ablations == null) {
      return List.of();
    }
    if (!(ablations instanceof List<?> items) || !items.stream().allMatch(String.class::isInstance)) {
      throw new JsonFormatException(source + ": \"ablations\": expected an array of strings, found "
          + ablations);
    }
    return items.stream().map(String.class::cast).toList();
  }

  /** Delineo's version: the jar manifest, then Maven's pom.properties, else "unknown". */
  public static String detectProjectVersion() {
    String fromManifest = Provenance.class.getPackage().getImplementationVersion();
    if (fromManifest != null) {
      return fromManifest;
    }
    try (InputStream in = Provenance.class.getResourceAsStream(
        "/META-INF/maven/org.delineo/delineo-training/pom.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        String v = p.getProperty("version");
        if (v != null && !v.isBlank()) {
          return v.trim();
        }
      }
    } catch (IOException e) {
      // Fall through: the version is informative, not essential.
    }
    return "unknown";
  }

  /**
   * The commit checked out in {@code dir}, or null when git is missing, {@code dir} is not in a
   * repository, or git does not answer within two seconds.
   */
  public static String gitCommit(Path dir) {
    Process process = null;
    try {
      process = new ProcessBuilder("git", "rev-parse", "HEAD")
          .directory(dir.toFile())
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      process.getOutputStream().close();
      if (!process.waitFor(GIT_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
        return null;
      }
      // 41 bytes fit the pipe buffer, so reading after the exit cannot block.
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return process.exitValue() == 0 && out.matches("[0-9a-f]{40}([0-9a-f]{24})?") ? out : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } finally {
      if (process != null && process.isAlive()) {
        process.destroyForcibly();
      }
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
