package org.delineo.graph.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.heads.DecodeHead;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** The composition: the decode head reads the backbone's features; auxiliary heads exist only in TRAIN. */
class EncoderDecoderTest {

  @Test
  void auxiliaryHeadsOnlyInTraining() {
    try (Graph g = new Graph()) {
      GraphContext train = GraphContext.create(g, Mode.TRAIN, 1);
      Operand<TFloat32> image = train.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 8, 8, 3)));
      Operand<TFloat32> stage = train.tf().identity(image);
      Operand<TFloat32> decoded = train.tf().identity(image);
      Operand<TFloat32> auxLogits = train.tf().identity(image);
      Backbone backbone = (ctx, x) -> List.of(stage);
      DecodeHead decode = (ctx, features) -> {
        assertSame(stage, features.get(0));
        return decoded;
      };
      DecodeHead aux = (ctx, features) -> auxLogits;
      EncoderDecoder model = new EncoderDecoder("m", 3, 8, backbone, decode, Map.of("aux", aux));
      ModelOutputs trained = model.apply(train, ModelInputs.of(image));
      assertSame(decoded, trained.logits());
      assertSame(auxLogits, trained.auxLogits().get("aux"));
      assertSame(stage, trained.features().get("backbone.0"));
      ModelOutputs evaluated = model.apply(train.withMode(Mode.EVAL), ModelInputs.of(image));
      assertTrue(evaluated.auxLogits().isEmpty());
      assertEquals(8, model.sizeDivisor());
    }
  }
}
