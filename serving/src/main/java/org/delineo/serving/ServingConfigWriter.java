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
import org.delineo.graph.io.SafeFiles;
import org.delineo.proto.serving.BatchingParameters;
import org.delineo.proto.serving.FileSystemStoragePathSourceConfig.ServableVersionPolicy;
import org.delineo.proto.serving.ModelConfig;
import org.delineo.proto.serving.ModelConfigList;
import org.delineo.proto.serving.ModelServerConfig;

/**
 * Writes the TF Serving config files for an export base directory (serving-and-ecosystem.md
 * §1.6–§1.7): {@code <base>/models.config} (a text {@code ModelServerConfig} with one
 * {@code ModelConfig} per model directory that holds versions) and
 * {@code <base>/batching_parameters.txt} (text {@code BatchingParameters}). Each file is replaced
 * atomically and durably ({@link SafeFiles}), so a server polling it never reads a half-written
 * config; updates of {@code models.config} hold an exclusive lock on the base directory
 * ({@link ConfigFileLock}), so concurrent exporters merging their models all get in. A version is
 * named here only after {@link SavedModelExporter} has synced it to disk and returned, so a power
 * cut cannot leave a config that names a version whose files were lost.
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

  private static volatile Runnable afterRead = () -> {};

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
    String text = TextFormat.printer().printToString(modelServerConfig(baseDir));
    // modelServerConfig found model directories, so the base exists; locked so a concurrent
    // merge is not interleaved with this rewrite.
    return ConfigFileLock.holding(baseDir, () -> {
      writeText(file, text);
      return file;
    });
  }

  /** Test hook: run by a merge between reading models.config and writing it back. */
  static void onAfterRead(Runnable hook) {
    afterRead = hook;
  }

  /**
   * Adds or updates one model in {@code <baseDir>/models.config}, keeping every other entry (its
   * policy, labels and options) as the file has it, so exporting one model does not reset the
   * others. Without the file, it starts from every model directory under {@code baseDir} with the
   * latest version served and no labels.
   *
   * <p>The model's existing labels are kept; {@code label}, when given, is pointed at
   * {@code version}; a model new to the file gets {@code firstLabel} on {@code version} when no
   * {@code label} is given. Its version policy is kept when it serves {@code version} and every
   * labelled version (TF Serving rejects labels on versions it does not load); otherwise it becomes
   * "latest 1" when all labels name {@code version}, else "specific" over the labelled versions and
   * {@code version}, e.g. {@code stable} on 1 beside the new version 2.
   *
   * @return the file written
   * @throws DelineoException if the existing file cannot be read or parsed, the version is not on
   *     disk, or a label of the model names a version that is not on disk
   */
  public static Path mergeModelsConfig(Path baseDir, String modelName, long version, String label,
      String firstLabel) {
    Path base = baseDir.toAbsolutePath().normalize();
    if (!Files.isDirectory(base)) {
      return merge(base, modelName, version, label, firstLabel); // fails: no version on disk
    }
    // Another exporter merging at the same time would otherwise read the same file and overwrite
    // this update with its own.
    return ConfigFileLock.holding(base, () -> merge(base, modelName, version, label, firstLabel));
  }

  private static Path merge(Path base, String modelName, long version, String label, String firstLabel) {
    Path file = base.resolve(MODELS_CONFIG);
    Path modelDir = base.resolve(modelName);
    List<Long> onDisk = ModelVersions.all(modelDir);
    if (!onDisk.contains(version)) {
      throw new DelineoException("serving config: version " + version + " of model '" + modelName
          + "' expected under " + modelDir + ", found versions " + onDisk);
    }
    ModelServerConfig existing = Files.isRegularFile(file) ? read(file)
        : new ServingConfigWriter(ServingVersionPolicy.latest(1)).modelServerConfig(base);
    afterRead.run();
    boolean known = Files.isRegularFile(file) && existing.getModelConfigList().getConfigList().stream()
        .anyMatch(c -> c.getName().equals(modelName));
    ModelConfigList.Builder list = ModelConfigList.newBuilder();
    boolean added = false;
    for (ModelConfig c : existing.getModelConfigList().getConfigList()) {
      if (c.getName().equals(modelName)) {
        list.addConfig(updated(known ? c : null, modelName, modelDir, version, label, firstLabel, onDisk));
        added = true;
      } else {
        list.addConfig(c);
      }
    }
    if (!added) {
      list.addConfig(updated(null, modelName, modelDir, version, label, firstLabel, onDisk));
    }
    writeText(file, TextFormat.printer().printToString(
        existing.toBuilder().setModelConfigList(list).build()));
    return file;
  }

  private static ModelConfig updated(ModelConfig old, String name, Path modelDir, long version,
      String label, String firstLabel, List<Long> onDisk) {
    Map<String, Long> labels = new java.util.TreeMap<>(old == null ? Map.of() : old.getVersionLabelsMap());
    if (label != null && !label.isEmpty()) {
      labels.put(label, version);
    } else if (old == null && firstLabel != null) {
      labels.put(firstLabel, version);
    }
    java.util.TreeSet<Long> needed = new java.util.TreeSet<>(labels.values());
    needed.add(version);
    for (Map.Entry<String, Long> e : labels.entrySet()) {
      if (!onDisk.contains(e.getValue())) {
        throw new DelineoException("serving config: label '" + e.getKey() + "' of model '" + name
            + "' names version " + e.getValue() + ", expected one of the versions on disk " + onDisk);
      }
    }
    ModelConfig.Builder b = old == null
        ? ModelConfig.newBuilder().setName(name).setModelPlatform(PLATFORM)
        : old.toBuilder();
    b.setBasePath(modelDir.toString()).clearVersionLabels().putAllVersionLabels(labels);
    boolean keep = old != null && old.hasModelVersionPolicy()
        && needed.stream().allMatch(v -> serves(old.getModelVersionPolicy(), v, onDisk));
    if (!keep) {
      ServingVersionPolicy policy = needed.size() == 1 ? ServingVersionPolicy.latest(1)
          : ServingVersionPolicy.specific(needed.stream().mapToLong(Long::longValue).toArray());
      b.setModelVersionPolicy(policy.toProto());
    }
    return b.build();
  }

  /** Whether TF Serving loads {@code version} under {@code policy} given the versions on disk (ascending). */
  private static boolean serves(ServableVersionPolicy policy, long version,
      List<Long> onDisk) {
    if (!onDisk.contains(version)) {
      return false;
    }
    if (policy.hasSpecific()) {
      return policy.getSpecific().getVersionsList().contains(version);
    }
    if (policy.hasAll()) {
      return true;
    }
    int n = policy.hasLatest() ? Math.max(1, policy.getLatest().getNumVersions()) : 1;
    return onDisk.indexOf(version) >= onDisk.size() - n;
  }

  private static ModelServerConfig read(Path file) {
    try {
      ModelServerConfig.Builder b = ModelServerConfig.newBuilder();
      TextFormat.merge(Files.readString(file), b);
      return b.build();
    } catch (TextFormat.ParseException e) {
      throw new DelineoException("file " + file + ": expected a text ModelServerConfig, found a parse error: "
          + e.getMessage(), e);
    } catch (IOException e) {
      throw new DelineoException("reading " + file + " failed: " + e.getMessage(), e);
    }
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
      SafeFiles.durable().writeString(file, text);
    } catch (IOException e) {
      throw new DelineoException("writing " + file + " failed: " + e.getMessage(), e);
    }
  }
}
