package org.delineo.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.TextFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.layers.Conv2d;
import org.delineo.proto.serving.ModelConfig;
import org.delineo.proto.serving.ModelServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** Two exporters into one base directory at once: distinct versions, both complete, both in models.config. */
class ConcurrentExportTest {
  @TempDir Path tmp;

  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  @AfterEach
  void tearDown() {
    pool.shutdownNow();
    ServingConfigWriter.onAfterRead(() -> {});
  }

  private static PredictGraph model(GraphContext ctx) {
    Operand<TFloat32> image = ctx.tf().withName("image")
        .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4, 4, 1)));
    return new PredictGraph(image, Conv2d.builder("head.conv", 2).kernel(1).build().apply(ctx, image));
  }

  private String checkpoint() {
    String prefix = tmp.resolve("model").toString();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      model(GraphContext.create(g, Mode.TRAIN, 3));
      s.initialize();
      s.save(prefix);
    }
    return prefix;
  }

  /**
   * Both exporters choose version 1 (the barrier holds each right before its rename until the other
   * has chosen too); one rename wins, the other must move on to 2 instead of failing.
   */
  @Test
  void twoExportersRacingForOneVersionBothComplete() throws Exception {
    String prefix = checkpoint();
    Path base = tmp.resolve("exports");
    CyclicBarrier bothChosen = new CyclicBarrier(2);
    Future<Path> a = pool.submit(() -> exportAndMerge(prefix, base, bothChosen));
    Future<Path> b = pool.submit(() -> exportAndMerge(prefix, base, bothChosen));
    Set<String> versions = Set.of(a.get(60, TimeUnit.SECONDS).getFileName().toString(),
        b.get(60, TimeUnit.SECONDS).getFileName().toString());

    assertEquals(Set.of("1", "2"), versions);
    for (String v : versions) {
      Path dir = base.resolve("tiny").resolve(v);
      assertTrue(Files.isRegularFile(dir.resolve("saved_model.pb")), dir + " has its graph");
      assertTrue(Files.isRegularFile(dir.resolve("variables/variables.index")), dir + " has its variables");
    }
    assertEquals(List.of("1", "2"), names(base.resolve("tiny")), "no staging leftovers");
    // Whichever merged first labelled its version stable (a new model's first label); the second
    // merge must serve both: the labelled one and the new one.
    ModelConfig tiny = parse(base.resolve(ServingConfigWriter.MODELS_CONFIG)).getModelConfigList().getConfig(0);
    assertEquals(List.of(1L, 2L), tiny.getModelVersionPolicy().getSpecific().getVersionsList());
    assertEquals(Set.of("stable"), tiny.getVersionLabelsMap().keySet());
  }

  /**
   * Two merges of different models into one models.config: each holds after reading the file until
   * the other has read it too (or 2 s passed); without a lock both read the same old file and the
   * later write drops the other model.
   */
  @Test
  void concurrentMergesKeepBothModels() throws Exception {
    Path base = tmp.resolve("exports");
    Files.createDirectories(base.resolve("a/1"));
    Files.createDirectories(base.resolve("b/1"));
    Files.writeString(base.resolve(ServingConfigWriter.MODELS_CONFIG), "model_config_list {\n}\n");
    CountDownLatch bothRead = new CountDownLatch(2);
    ServingConfigWriter.onAfterRead(() -> {
      bothRead.countDown();
      try {
        bothRead.await(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    Future<Path> a = pool.submit(() -> ServingConfigWriter.mergeModelsConfig(base, "a", 1, null, "stable"));
    Future<Path> b = pool.submit(() -> ServingConfigWriter.mergeModelsConfig(base, "b", 1, null, "stable"));
    a.get(30, TimeUnit.SECONDS);
    b.get(30, TimeUnit.SECONDS);

    List<String> models = parse(base.resolve(ServingConfigWriter.MODELS_CONFIG)).getModelConfigList()
        .getConfigList().stream().map(ModelConfig::getName).sorted().toList();
    assertEquals(List.of("a", "b"), models);
  }

  private static Path exportAndMerge(String prefix, Path base, CyclicBarrier bothChosen) throws IOException {
    SavedModelExporter exporter = new SavedModelExporter(prefix);
    AtomicBoolean first = new AtomicBoolean(true);
    exporter.onBeforeRename(v -> {
      if (first.getAndSet(false)) {
        await(bothChosen);
      }
    });
    Path dir = exporter.export(base, "tiny", null, ConcurrentExportTest::model);
    ServingConfigWriter.mergeModelsConfig(base, "tiny", Long.parseLong(dir.getFileName().toString()), null, "stable");
    return dir;
  }

  private static void await(CyclicBarrier barrier) {
    try {
      barrier.await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the other exporter never reached its rename", e);
    }
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  private static ModelServerConfig parse(Path file) throws IOException {
    ModelServerConfig.Builder b = ModelServerConfig.newBuilder();
    TextFormat.merge(Files.readString(file), b);
    return b.build();
  }
}
