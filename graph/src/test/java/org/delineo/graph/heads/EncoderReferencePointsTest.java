package org.delineo.graph.heads;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import org.delineo.graph.Tensors;
import org.delineo.graph.layers.MapSize;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The encoder's reference points for a 2 × 3 and a 1 × 2 level, by hand: mmdet's grid priors
 * ((j + 0.5)·stride, (i + 0.5)·stride) divided by (W·stride, H·stride), level after level, row-major,
 * as constants for static sizes and computed when the step runs otherwise.
 */
class EncoderReferencePointsTest {
  /** (x, y): 2 × 3 level, x ∈ {1/6, 1/2, 5/6}, y ∈ {1/4, 3/4}; then 1 × 2, x ∈ {1/4, 3/4}, y = 1/2. */
  private static final float[] HAND = {
      1f / 6, 0.25f, 0.5f, 0.25f, 5f / 6, 0.25f,
      1f / 6, 0.75f, 0.5f, 0.75f, 5f / 6, 0.75f,
      0.25f, 0.5f, 0.75f, 0.5f,
  };

  @Test
  void pixelCentresOfEachLevelNormalisedByItsSize() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> points = EncoderReferencePoints.of(tf, List.of(MapSize.of(tf, 2, 3), MapSize.of(tf, 1, 2)));
      assertArrayEquals(new long[] {1, 8, 1, 2}, points.shape().asArray(), "static shape");
      try (Result r = s.runner().fetch(points).run()) {
        assertArrayEquals(HAND, Tensors.toFloats(r.get(0)), 1e-7f);
      }
    }
  }

  @Test
  void sizesKnownOnlyWhenTheStepRunsGiveTheSamePoints() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TInt32> h = tf.placeholder(TInt32.class, Placeholder.shape(Shape.scalar()));
      Placeholder<TInt32> w = tf.placeholder(TInt32.class, Placeholder.shape(Shape.scalar()));
      Operand<TFloat32> points = EncoderReferencePoints.of(tf,
          List.of(new MapSize(-1, -1, h, w), MapSize.of(tf, 1, 2)));
      try (TInt32 th = TInt32.scalarOf(2);
          TInt32 tw = TInt32.scalarOf(3);
          Result r = s.runner().feed(h, th).feed(w, tw).fetch(points).run()) {
        assertArrayEquals(new long[] {1, 8, 1, 2}, r.get(0).shape().asArray(), "run-time shape");
        assertArrayEquals(HAND, Tensors.toFloats(r.get(0)), 1e-7f);
      }
    }
  }
}
