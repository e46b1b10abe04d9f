package org.delineo.training.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.proto.ModelConfig;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Whole-model parameter counts (graph construction only, TRAIN mode so the auxiliary head is
 * built) equal mmsegmentation 1.2.2's for the same configurations with 19 classes
 * (reference-methods.md §0: backbone + decode head + auxiliary head).
 */
class SceneModelParametersTest {

  @Test
  void deeplabv3plus() {
    assertEquals(43_589_878L, count(new DeepLabV3PlusFactory()));
  }

  @Test
  void pspnet() {
    assertEquals(48_975_494L, count(new PspNetFactory()));
  }

  @Test
  void hrnet() {
    assertEquals(65_858_659L, count(new HrNetFactory()));
  }

  private static long count(ModelFactory factory) {
    ModelConfig config = factory.reference().config();
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 0);
      SegmentationModel model = factory.create(config, 19, 3);
      model.apply(ctx, ModelInputs.of(ctx.tf().placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(2, 64, 128, 3)))));
      return ctx.variables().trainableParameterCount();
    }
  }
}
