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
}
