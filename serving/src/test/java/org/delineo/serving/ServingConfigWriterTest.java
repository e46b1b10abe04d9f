package org.delineo.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.TextFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.delineo.graph.DelineoException;
import org.delineo.proto.serving.BatchingParameters;
import org.delineo.proto.serving.FileSystemStoragePathSourceConfig.ServableVersionPolicy;
import org.delineo.proto.serving.ModelConfig;
import org.delineo.proto.serving.ModelServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServingConfigWriterTest {
  @TempDir Path tmp;

  private Path base() throws IOException {
    Path base = tmp.resolve("exports");
    for (String dir : List.of("unet/1", "unet/2", "unet/3", "deeplab/5", "deeplab/.tmp-deeplab-x",
        ".tmp-ghost/1", "empty")) {
      Files.createDirectories(base.resolve(dir));
    }
    return base;
  }

  @Test
  void modelsConfigParsesBackWithPoliciesLabelsAndAbsolutePaths() throws IOException {
    Path base = base();
    Path file = new ServingConfigWriter(ServingVersionPolicy.latest(2))
        .withPolicy("deeplab", ServingVersionPolicy.specific(5).withLabel("stable", 5))
        .writeModelsConfig(base);
    assertEquals(base.resolve("models.config"), file);
    String text = Files.readString(file);
    // TF Serving's documented text syntax (serving_config.md).
    assertTrue(text.startsWith("model_config_list {"), text);
    assertTrue(text.contains("model_platform: \"tensorflow\""), text);
    assertTrue(text.replaceAll("\\s+", " ").contains("version_labels { key: \"stable\" value: 5 }"), text);

    ModelServerConfig.Builder parsed = ModelServerConfig.newBuilder();
    TextFormat.merge(text, parsed);
    List<ModelConfig> configs = parsed.getModelConfigList().getConfigList();
    assertEquals(List.of("deeplab", "unet"), configs.stream().map(ModelConfig::getName).toList(),
        "models with versions only, sorted; no hidden staging, no empty directory");

    ModelConfig deeplab = configs.get(0);
    assertEquals(base.toAbsolutePath().resolve("deeplab").toString(), deeplab.getBasePath());
    assertTrue(Path.of(deeplab.getBasePath()).isAbsolute());
    assertEquals("tensorflow", deeplab.getModelPlatform());
    assertEquals(ServableVersionPolicy.PolicyChoiceCase.SPECIFIC,
        deeplab.getModelVersionPolicy().getPolicyChoiceCase());
    assertEquals(List.of(5L), deeplab.getModelVersionPolicy().getSpecific().getVersionsList());
    assertEquals(Map.of("stable", 5L), deeplab.getVersionLabelsMap());

    ModelConfig unet = configs.get(1);
    assertEquals(2, unet.getModelVersionPolicy().getLatest().getNumVersions());
    assertEquals(Map.of(), unet.getVersionLabelsMap());
    assertNoTempFiles(base);
  }

  @Test
  void labelsMustNameServedVersions() throws IOException {
    Path base = base();
    // latest(2) of unet serves 2 and 3 (hand-derived), not 1.
    ServingConfigWriter ok = new ServingConfigWriter(ServingVersionPolicy.latest(1))
        .withPolicy("unet", ServingVersionPolicy.latest(2).withLabel("stable", 2));
    assertEquals(Map.of("stable", 2L), ok.modelServerConfig(base).getModelConfigList()
        .getConfig(1).getVersionLabelsMap());
    DelineoException old = assertThrows(DelineoException.class, () -> new ServingConfigWriter(
        ServingVersionPolicy.latest(1)).withPolicy("unet",
            ServingVersionPolicy.latest(2).withLabel("stable", 1)).modelServerConfig(base));
    assertTrue(old.getMessage().contains("label 'stable'") && old.getMessage().contains("[1, 2, 3]"),
        old.getMessage());
    assertThrows(DelineoException.class, () -> new ServingConfigWriter(ServingVersionPolicy.all())
        .withPolicy("nope", ServingVersionPolicy.all()).modelServerConfig(base));
    assertThrows(DelineoException.class,
        () -> new ServingConfigWriter(ServingVersionPolicy.all()).modelServerConfig(tmp.resolve("none")));
    assertEquals(ServableVersionPolicy.PolicyChoiceCase.ALL,
        new ServingConfigWriter(ServingVersionPolicy.all()).modelServerConfig(base)
            .getModelConfigList().getConfig(0).getModelVersionPolicy().getPolicyChoiceCase());
  }

  @Test
  void batchingParametersUseWrapperSyntaxAndReplaceAtomically() throws IOException {
    Path base = Files.createDirectories(tmp.resolve("exports"));
    ServingConfigWriter.writeBatchingParameters(base, new BatchingOptions(4, 500, 2, 2));
    Path file = ServingConfigWriter.writeBatchingParameters(base, new BatchingOptions(8, 1000, 4, 6));
    String text = Files.readString(file);
    assertTrue(text.replaceAll("\\s+", " ").contains("max_batch_size { value: 8 }"), text);
    BatchingParameters.Builder parsed = BatchingParameters.newBuilder();
    TextFormat.merge(text, parsed);
    assertEquals(8, parsed.getMaxBatchSize().getValue());
    assertEquals(1000, parsed.getBatchTimeoutMicros().getValue());
    assertEquals(4, parsed.getNumBatchThreads().getValue());
    assertEquals(6, parsed.getMaxEnqueuedBatches().getValue());
    assertNoTempFiles(base);
    assertThrows(DelineoException.class, () -> new BatchingOptions(0, 0, 1, 1));
  }

  private static void assertNoTempFiles(Path base) throws IOException {
    try (Stream<Path> files = Files.list(base)) {
      assertTrue(files.filter(Files::isRegularFile)
          .noneMatch(p -> p.getFileName().toString().startsWith(".tmp-")), "no temp files left");
    }
  }

  private static Map<String, ModelConfig> parse(Path file) throws IOException {
    ModelServerConfig.Builder parsed = ModelServerConfig.newBuilder();
    TextFormat.merge(Files.readString(file), parsed);
    Map<String, ModelConfig> byName = new java.util.LinkedHashMap<>();
    parsed.getModelConfigList().getConfigList().forEach(c -> byName.put(c.getName(), c));
    return byName;
  }

  @Test
  void mergeKeepsOtherModelsAndLabelsAndMovesOnlyTheNamedLabel() throws IOException {
    Path base = base();
    // A hand-kept file: deeplab pinned to version 5 with its own label, unet serving 2 and 3.
    Path file = new ServingConfigWriter(ServingVersionPolicy.latest(1))
        .withPolicy("deeplab", ServingVersionPolicy.specific(5).withLabel("prod", 5))
        .withPolicy("unet", ServingVersionPolicy.specific(2, 3).withLabel("stable", 2).withLabel("canary", 3))
        .writeModelsConfig(base);
    ModelConfig deeplabBefore = parse(file).get("deeplab");

    // unet version 4 without a label: labels unchanged, the policy grows to serve 2, 3 and 4.
    Files.createDirectories(base.resolve("unet/4"));
    ServingConfigWriter.mergeModelsConfig(base, "unet", 4, null, "stable");
    Map<String, ModelConfig> after = parse(file);
    assertEquals(deeplabBefore, after.get("deeplab"), "other models untouched");
    assertEquals(Map.of("stable", 2L, "canary", 3L), after.get("unet").getVersionLabelsMap());
    assertEquals(List.of(2L, 3L, 4L), after.get("unet").getModelVersionPolicy().getSpecific().getVersionsList());

    // --label canary: canary moves to 4, stable stays on 2; version 3 is no longer needed.
    ServingConfigWriter.mergeModelsConfig(base, "unet", 4, "canary", "stable");
    after = parse(file);
    assertEquals(Map.of("stable", 2L, "canary", 4L), after.get("unet").getVersionLabelsMap());
    assertEquals(List.of(2L, 3L, 4L), after.get("unet").getModelVersionPolicy().getSpecific().getVersionsList(),
        "a policy that still serves every labelled version is kept");
    assertEquals(deeplabBefore, after.get("deeplab"));

    // A model new to the file is added with latest 1 and the first label on its version.
    Files.createDirectories(base.resolve("pspnet/7"));
    ServingConfigWriter.mergeModelsConfig(base, "pspnet", 7, null, "stable");
    after = parse(file);
    assertEquals(List.of("deeplab", "unet", "pspnet"), List.copyOf(after.keySet()));
    assertEquals(Map.of("stable", 7L), after.get("pspnet").getVersionLabelsMap());
    assertEquals(1, after.get("pspnet").getModelVersionPolicy().getLatest().getNumVersions());
    assertEquals(base.toAbsolutePath().resolve("pspnet").toString(), after.get("pspnet").getBasePath());

    // A latest-1 model whose label must keep an older version becomes "specific".
    Files.createDirectories(base.resolve("pspnet/8"));
    ServingConfigWriter.mergeModelsConfig(base, "pspnet", 8, null, "stable");
    after = parse(file);
    assertEquals(Map.of("stable", 7L), after.get("pspnet").getVersionLabelsMap());
    assertEquals(List.of(7L, 8L), after.get("pspnet").getModelVersionPolicy().getSpecific().getVersionsList());

    DelineoException e = assertThrows(DelineoException.class,
        () -> ServingConfigWriter.mergeModelsConfig(base, "unet", 9, "stable", "stable"));
    assertTrue(e.getMessage().contains("version 9") && e.getMessage().contains("[1, 2, 3, 4]"), e.getMessage());
  }

  @Test
  void mergeWithoutAFileListsEveryModelAndRejectsABrokenFile() throws IOException {
    Path base = base();
    Path file = ServingConfigWriter.mergeModelsConfig(base, "unet", 3, null, "stable");
    Map<String, ModelConfig> configs = parse(file);
    assertEquals(List.of("deeplab", "unet"), List.copyOf(configs.keySet()));
    assertEquals(Map.of(), configs.get("deeplab").getVersionLabelsMap());
    assertEquals(Map.of("stable", 3L), configs.get("unet").getVersionLabelsMap());

    Files.writeString(file, "model_config_list { config { name: ");
    DelineoException e = assertThrows(DelineoException.class,
        () -> ServingConfigWriter.mergeModelsConfig(base, "unet", 3, null, "stable"));
    assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("ModelServerConfig"),
        e.getMessage());
  }
}
