package org.delineo.training.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.google.inject.Guice;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.losses.WeightedTerm;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ExperimentConfigLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The models of {@code configs/prove/*.pbtxt} keep their state dicts: pretrained and earlier
 * checkpoints are loaded by variable name and shape, so a refactoring of how backbones and heads
 * are wired must not rename, add or drop a single variable.
 *
 * <p>Two independent pins per config, on the TRAIN graph (auxiliary heads included) for 19 classes:
 * <ul>
 *   <li>trainable parameters per top-level module equal mmsegmentation 1.2.2's (reference-methods.md
 *       §0 table: backbone, decode head, auxiliary head);
 *   <li>the full variable list (name, static shape, kind; batch-norm running statistics included)
 *       equals {@code prove-variables/<model>.txt}. The CNNs' files were written once from the code
 *       before the backbone registry (issue 13 §2, commit 9bd6c26) by listing
 *       {@code ctx.variables().all()} exactly as {@link #built} formats them; they are the
 *       state-dict keys pretrained files have been converted to since. The transformers' files
 *       (issue 14) were written from mmseg 1.2.2's state-dict keys and shapes (transposed to our
 *       layouts), independently of our code.
 * </ul>
 * Variable shapes do not depend on the image size, so a small input keeps the graphs quick.
 */
class ProveModelVariablesTest {
  private static final Path PROVE = Path.of("..", "configs", "prove");

  /** reference-methods.md §0: trainable parameters of backbone, decode head, auxiliary head. */
  private static final Map<String, Map<String, Long>> MMSEG = Map.of(
      "deeplabv3plus_r50", Map.of("backbone", 23_527_264L, "decode_head", 17_697_923L,
          "auxiliary_head", 2_364_691L),
      "pspnet_r50", Map.of("backbone", 23_527_264L, "decode_head", 23_083_539L,
          "auxiliary_head", 2_364_691L),
      "hrnet_w48", Map.of("backbone", 65_325_120L, "decode_head", 533_539L),
      "segformer_mit_b3", Map.of("backbone", 44_072_128L, "decode_head", 531_731L),
      "segnext_mscan_b", Map.of("backbone", 26_277_824L, "decode_head", 1_291_283L));

  /** Each model is built once for both pins (HRNet-W48's graph takes a few seconds). */
  private static final Map<String, BuiltModel> BUILT = new ConcurrentHashMap<>();

  @ParameterizedTest
  @ValueSource(strings = {"deeplabv3plus_r50", "pspnet_r50", "hrnet_w48", "segformer_mit_b3", "segnext_mscan_b"})
  void parameterCountsPerModuleEqualMmseg(String model) {
    assertEquals(new TreeMap<>(MMSEG.get(model)), built(model).trainablePerModule(), model);
  }

  @ParameterizedTest
  @ValueSource(strings = {"deeplabv3plus_r50", "pspnet_r50", "hrnet_w48", "segformer_mit_b3", "segnext_mscan_b"})
  void variableNamesShapesAndKindsArePinned(String model) throws IOException {
    assertEquals(expectedLines(model), built(model).variableLines(), model);
  }

  /**
   * PROVE's {@code --aux-loss} appends its term (weight 0.3) to every head the model has (PV-8): the
   * CNNs' decode and auxiliary heads, the transformers' single decode head (the 0.3 weight:
   * LossBuilderTest).
   */
  @ParameterizedTest
  @CsvSource({
      "deeplabv3plus_r50, 'decode.cross_entropy,aux.cross_entropy,decode.lovasz,aux.lovasz'",
      "hrnet_w48, 'decode.cross_entropy,decode.lovasz'",
      "segformer_mit_b3, 'decode.cross_entropy,decode.lovasz'",
      "segnext_mscan_b, 'decode.cross_entropy,decode.lovasz'",
  })
  void auxLossLandsOnEveryHeadOfTheModel(String model, String expectedTerms) {
    ExperimentConfig config = ExperimentConfigLoader.load(PROVE.resolve(model + ".pbtxt"), List.of("loss.aux_loss=LOVASZ"));
    LossBuilder builder = Guice.createInjector(new ExperimentModule(config), new LossesModule())
        .getInstance(LossBuilder.class);
    List<WeightedTerm> terms = builder.build(built(model).heads()).terms();
    assertEquals(List.of(expectedTerms.split(",")), terms.stream().map(WeightedTerm::name).toList(), model);
  }

  /**
   * What the pins compare, read while the graph is open.
   *
   * @param variableLines one line per variable, sorted: {@code name<TAB>shape<TAB>kind}
   * @param trainablePerModule trainable scalars per first name component ({@code backbone}, ...)
   */
  record BuiltModel(List<String> variableLines, Map<String, Long> trainablePerModule, Set<String> heads) {}

  /** {@code configs/prove/<model>.pbtxt}'s model as a TRAIN graph for 19 classes. */
  static BuiltModel built(String model) {
    return BUILT.computeIfAbsent(model, ProveModelVariablesTest::build);
  }

  private static BuiltModel build(String model) {
    ExperimentConfig config = ExperimentConfigLoader.load(PROVE.resolve(model + ".pbtxt"), List.of());
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 0);
      Placeholder<TFloat32> image =
          ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 64, 64, 3)));
      ModelOutputs outputs = Experiment.create(config, List.of()).model(19, 3).apply(ctx, ModelInputs.of(image));
      Set<String> heads = new TreeSet<>(outputs.auxLogits().keySet());
      heads.add("decode");
      List<String> lines = new ArrayList<>();
      Map<String, Long> perModule = new TreeMap<>();
      for (ModelVariable<?> v : ctx.variables().all()) {
        lines.add(v.name() + "\t" + v.shape() + "\t" + v.kind());
        if (v.trainable()) {
          perModule.merge(v.name().substring(0, v.name().indexOf('.')), v.size(), Long::sum);
        }
      }
      Collections.sort(lines);
      return new BuiltModel(lines, perModule, heads);
    }
  }

  private static List<String> expectedLines(String model) throws IOException {
    String resource = "prove-variables/" + model + ".txt";
    try (InputStream in = ProveModelVariablesTest.class.getResourceAsStream(resource)) {
      assertNotNull(in, resource);
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        return r.lines().filter(l -> !l.isBlank()).toList();
      }
    }
  }
}
