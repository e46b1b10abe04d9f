package org.delineo.training.strategy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.Tensors;
import org.delineo.training.data.pipeline.InputNormalization;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Tower views of the step inputs: each tower sees its slice of the one fed batch. */
class StepInputsTowerTest {

  @Test
  void eachTowerReadsItsSliceOfTheFedBatchThroughTheSamePlaceholders() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      // One channel, normalised as (x - 10) / 2.
      StepInputs inputs = new StepInputs(tf, new InputNormalization(new float[] {10f}, new float[] {2f}), 2, 1,
          false, tf.constant(0L));
      StepInputs first = inputs.tower(tf, 0, 2);
      StepInputs second = inputs.tower(tf, 1, 2);
      Operand<TFloat32> image1 = second.image();
      Operand<TInt32> labels1 = second.labels();
      Operand<TFloat32> image0 = first.image();
      Operand<TBool> flag0 = first.bool("epoch_end");
      Operand<TBool> flag1 = second.bool("epoch_end");
      // One placeholder per feed name, whichever tower asked first; scalars are shared, not split.
      assertEquals(List.of(StepInputs.IMAGE, StepInputs.LABELS, "epoch_end"),
          List.copyOf(inputs.placeholders().keySet()));
      assertSame(flag0, flag1);
      assertSame(image1, second.image(), "a tower's input is built once");

      // A batch of 4 images of 1x2 pixels: image b holds b*10 and b*10 + 2; labels b and b + 10.
      float[] pixels = {0, 2, 10, 12, 20, 22, 30, 32};
      int[] labels = {0, 10, 1, 11, 2, 12, 3, 13};
      try (Session s = new Session(g);
          var image = Tensors.floats(Shape.of(4, 1, 2, 1), pixels);
          var label = Tensors.ints(Shape.of(4, 1, 2), labels);
          Result r = s.runner()
              .feed(inputs.placeholders().get(StepInputs.IMAGE), image)
              .feed(inputs.placeholders().get(StepInputs.LABELS), label)
              .fetch(image0).fetch(image1).fetch(labels1).run()) {
        assertArrayEquals(new float[] {-5, -4, 0, 1}, Tensors.toFloats(r, 0), "tower 0: images 0 and 1");
        assertArrayEquals(new float[] {5, 6, 10, 11}, Tensors.toFloats(r, 1), "tower 1: images 2 and 3");
        assertArrayEquals(new int[] {2, 12, 3, 13}, Tensors.toInts(r.get(2)));
      }
    }
  }

  @Test
  void aTowerViewIsTakenOfTheWholeBatchOnly() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      StepInputs inputs = new StepInputs(tf, new InputNormalization(new float[0], new float[0]), 2, 1, false,
          tf.constant(0L));
      DelineoException nested = assertThrows(DelineoException.class, () -> inputs.tower(tf, 0, 2).tower(tf, 0, 2));
      assertTrue(nested.getMessage().contains("already tower 0 of 2"), nested.getMessage());
      assertThrows(DelineoException.class, () -> inputs.tower(tf, 2, 2));
    }
  }
}
