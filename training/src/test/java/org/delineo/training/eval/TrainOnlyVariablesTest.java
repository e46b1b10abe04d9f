package org.delineo.training.eval;

import org.delineo.training.data.pipeline.InputNormalization;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.wiring.Experiment;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;

/**
 * mmseg's PSPNet builds its auxiliary FCN head ({@code auxiliary_head.*}) in training only: those
 * are exactly the variables an EVAL graph lacks; a model without one has none.
 */
class TrainOnlyVariablesTest {

  private static Set<String> trainOnly(String model) {
    ExperimentConfig config = ExperimentConfigLoader.parse("model { " + model + " }", "test");
    SegmentationModel m = Experiment.create(config, List.of()).model(19, 3);
    InputNormalization n = InputNormalization.of(config.getData(), 3);
    try (Graph graph = new Graph()) {
      InferenceGraph.build(GraphContext.create(graph, Mode.EVAL, 0), m, n, 2, 3, "image");
      return TrainOnlyVariables.of(graph, m, n, 2, 3);
    }
  }

  @Test
  void pspnetAuxiliaryHeadIsTrainOnly() {
    Set<String> names = trainOnly("name: \"pspnet_r50\"");
    assertTrue(names.contains("auxiliary_head.conv_seg.weight"), names.toString());
    assertTrue(names.contains("auxiliary_head.convs.0.conv.weight"), names.toString());
    assertTrue(names.stream().allMatch(s -> s.startsWith("auxiliary_head.")), names.toString());
  }

  @Test
  void unetHasNoTrainOnlyVariables() {
    assertEquals(Set.of(), trainOnly("unet { channels: [4, 8, 16, 32, 64] }"));
  }
}
