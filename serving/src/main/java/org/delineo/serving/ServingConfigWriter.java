package org.delineo.serving;

import com.google.protobuf.Int64Value;
import com.google.protobuf.TextFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.delineo.graph.DelineoException;
import org.delineo.proto.serving.BatchingParameters;
import org.delineo.proto.serving.ModelConfig;
import org.delineo.proto.serving.ModelConfigList;
import org.delineo.proto.serving.ModelServerConfig;

/**
 * Writes the TF Serving config files for an export base directory (serving-and-ecosystem.md
 * §1.6–§1.7): {@code <base>/models.config} (a text {@code ModelServerConfig} with one
 * {@code ModelConfig} per model directory that holds versions) and
 * {@code <base>/batching_parameters.txt} (text {@code BatchingParameters}). Each file is replaced
 * atomically.
 *
 * <pre>{@code
 * new ServingConfigWriter(ServingVersionPolicy.latest(1))
 *     .withPolicy("unet-acdc", ServingVersionPolicy.specific(3, 4).withLabel("stable", 3).withLabel("canary", 4))
 *     .writeModelsConfig(Path.of("exports"));
 * // tensorflow_model_server --model_config_file=exports/models.config
 * //   --enable_batching --batching_parameters_file=exports/batching_parameters.txt
 * }</pre>
 */
public final class ServingConfigWriter {
  /** File name of the model server config under the base directory. */
  public static final String MODELS_CONFIG = "models.config";
  /** File name of the batching parameters under the base directory. */
  public static final String BATCHING_PARAMETERS = "batching_parameters.txt";
  /** {@code model_platform} of SavedModels. */
  public static final String PLATFORM = "tensorflow";

  /** Model directory names, as accepted by the exporter; excludes hidden staging directories. */
  private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]*");

  private final ServingVersionPolicy defaultPolicy;
  private final Map<String, ServingVersionPolicy> policies;

  /** @param defaultPolicy the policy of every model without its own */
  public ServingConfigWriter(ServingVersionPolicy defaultPolicy) {
    this(defaultPolicy, Map.of());
  }

  private ServingConfigWriter(ServingVersionPolicy defaultPolicy,
      Map<String, ServingVersionPolicy> policies) {
    if (defaultPolicy == null) {
      throw new DelineoException("serving config: default version policy missing");
    }
    this.defaultPolicy = defaultPolicy;
    this.policies = Map.copyOf(policies);
  }

  /** This writer with {@code policy} for the model {@code modelName}. */
  public ServingConfigWriter withPolicy(String modelName, ServingVersionPolicy policy) {
    Map<String, ServingVersionPolicy> more = new HashMap<>(policies);
    more.put(modelName, policy);
    return new ServingConfigWriter(defaultPolicy, more);
  }

  /**
   * The config for the models under {@code baseDir}, sorted by name, with absolute base paths.
   *
   * @throws DelineoException if no model directory holds a version, a per-model policy names a
   *     model that is not there, or a label names a version the policy does not serve (TF
   *     Serving rejects such labels)
   */
  public ModelServerConfig modelServerConfig(Path baseDir) {
    Path base = baseDir.toAbsolutePath().normalize();
    List<Path> models = modelDirectories(base);
    if (models.isEmpty()) {
      throw new DelineoException(
          "serving config: expected model directories with integer versions under " + base
              + ", found none");
    }
    for (String name : policies.keySet()) {
      if (models.stream().noneMatch(m -> m.getFileName().toString().equals(name))) {
        throw new DelineoException("serving config: a version policy names model '" + name
            + "', which has no versions under " + base);
      }
    }
    ModelConfigList.Builder list = ModelConfigList.newBuilder();
    for (Path model : models) {
      list.addConfig(modelConfig(model));
    }
    return ModelServerConfig.newBuilder().setModelConfigList(list).build();
  }

  /** Writes {@code <baseDir>/models.config}; returns its path. */
  public Path writeModelsConfig(Path baseDir) {
    Path file = baseDir.resolve(MODELS_CONFIG);
    writeText(file, TextFormat.printer().printToString(modelServerConfig(baseDir)));
    return file;
  }

  /** The text-format message for {@code options}, every value in its Int64Value wrapper. */
  public static BatchingParameters batchingParameters(BatchingOptions options) {
    return BatchingParameters.newBuilder()
        .setMaxBatchSize(Int64Value.of(options.maxBatchSize()))
        .setBatchTimeoutMicros(Int64Value.of(options.batchTimeoutMicros()))
        .setNumBatchThreads(Int64Value.of(options.numBatchThreads()))
        .setMaxEnqueuedBatches(Int64Value.of(options.maxEnqueuedBatches()))
        .build();
  }

  /** Writes {@code <baseDir>/batching_parameters.txt}; returns its path. */
  public static Path writeBatchingParameters(Path baseDir, BatchingOptions options) {
    Path file = baseDir.resolve(BATCHING_PARAMETERS);
    writeText(file, TextFormat.printer().printToString(batchingParameters(options)));
    return file;
  }

  private ModelConfig modelConfig(Path model) {
    String name = model.getFileName().toString();
    ServingVersionPolicy policy = policies.getOrDefault(name, defaultPolicy);
    List<Long> onDisk = ModelVersions.all(model);
    for (Map.Entry<String, Long> label : policy.labels().entrySet()) {
      if (!policy.serves(label.getValue(), onDisk)) {
        throw new DelineoException("serving config: label '" + label.getKey() + "' of model '"
            + name + "' names version " + label.getValue()
            + ", which the version policy does not serve; versions on disk: " + onDisk);
      }
    }
    return ModelConfig.newBuilder()
        .setName(name)
        .setBasePath(model.toString())
        .setModelPlatform(PLATFORM)
        .setModelVersionPolicy(policy.toProto())
        .putAllVersionLabels(policy.labels())
        .build();
  }

  private static List<Path> modelDirectories(Path base) {
    if (!Files.isDirectory(base)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(base)) {
      return entries
          .filter(Files::isDirectory)
          .filter(p -> MODEL_NAME.matcher(p.getFileName().toString()).matches())
          .filter(p -> !ModelVersions.all(p).isEmpty())
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new DelineoException("listing models under " + base + " failed: " + e.getMessage(), e);
    }
  }

  private static void writeText(Path file, String text) {
    try {
      AtomicFiles.writeString(file, text);
    } catch (IOException e) {
      throw new DelineoException("writing " + file + " failed: " + e.getMessage(), e);
    }
  }
}
