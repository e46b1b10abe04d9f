package org.delineo.training.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.model.ModelInputs;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.config.ExperimentConfigLoader;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The driving-scene family blocks' settings reach the built graph: trainable parameter counts of
 * TRAIN graphs (auxiliary heads included) against counts written out by hand.
 */
class SceneModelConfigTest {

  /** ConvModule: conv without bias + BN weight and bias. */
  static long convModule(long k, long in, long out) {
    return k * k * in * out + 2 * out;
  }

  /** DepthwiseSeparableConvModule: depthwise k×k + BN(in), pointwise 1×1 + BN(out). */
  static long separable(long k, long in, long out) {
    return k * k * in + 2 * in + in * out + 2 * out;
  }

  @Test
  void c1ChannelsSizeTheLowLevelProjection() {
    String tiny = "deeplabv3plus { backbone { base_channels: 4 stage_blocks: [1, 1, 1, 1] } channels: 8"
        + " aux_head { enabled: false } c1_channels: %d }";
    // Stage 1 of base width 4 gives 4·4 = 16 channels. Only c1_bottleneck (1×1 16→c1) and the
    // first separable conv (input 8 + c1) depend on c1_channels.
    long delta = convModule(1, 16, 12) - convModule(1, 16, 4)
        + separable(3, 8 + 12, 8) - separable(3, 8 + 4, 8);
    assertEquals(8 * (16 + 2 + 9 + 2 + 8), delta, "hand: 37 parameters per c1 channel");
    assertEquals(delta, count(tiny.formatted(12)) - count(tiny.formatted(4)));
  }

  @Test
  void baseChannelsSetTheStemWidthUnlessStemChannelsIsGiven() {
    String tiny = "pspnet { backbone { base_channels: 4 stage_blocks: [1, 1, 1, 1] %s } channels: 8"
        + " aux_head { enabled: false } }";
    // Only the stem (3×3 convs 3→s/2, s/2→s/2, s/2→s, each + BN) and the first bottleneck of
    // layer1 (its 1×1 conv and its 1×1 projection read s channels; p = 4, 4p = 16, so both widths
    // below keep the projection) depend on the stem width s.
    assertEquals(178, stem(4), "hand: 54 + 4 + 36 + 4 + 72 + 8");
    assertEquals(572, stem(8), "hand: 108 + 8 + 144 + 8 + 288 + 16");
    long delta = stem(8) - stem(4) + (8 - 4) * 4 + (8 - 4) * 16;
    assertEquals(474, delta);
    assertEquals(delta, count(tiny.formatted("stem_channels: 8")) - count(tiny.formatted("")),
        "stem_channels 0 follows base_channels 4");
    assertEquals(0, count(tiny.formatted("stem_channels: 4")) - count(tiny.formatted("")));
  }

  @Test
  void oddStemWidthIsAConfigError() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> count("pspnet { backbone { base_channels: 3 } }"));
    assertTrue(e.getMessage().contains("model.pspnet.backbone.stem_channels"), e.getMessage());
  }

  /** ResNetV1c deep stem of width s on 3 input channels: three 3×3 convs without bias, three BNs. */
  static long stem(long s) {
    long h = s / 2;
    return 9 * 3 * h + 2 * h + 9 * h * h + 2 * h + 9 * h * s + 2 * s;
  }

  /** Trainable parameters of {@code family} (a ModelConfig family block) for 19 classes, TRAIN graph. */
  static long count(String family) {
    ExperimentConfig config = ExperimentConfigLoader.parse("model { " + family + " }", "test");
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 0);
      Placeholder<TFloat32> image =
          ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 256, 256, 3)));
      Experiment.create(config, List.of()).model(19, 3).apply(ctx, ModelInputs.of(image));
      return ctx.variables().trainableParameterCount();
    }
  }
}
