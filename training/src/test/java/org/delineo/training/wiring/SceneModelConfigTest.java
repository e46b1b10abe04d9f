package org.delineo.training.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.model.ModelInputs;
import org.delineo.proto.ExperimentConfig;
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
