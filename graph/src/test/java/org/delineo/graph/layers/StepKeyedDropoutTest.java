package org.delineo.graph.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.Tensors;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TFloat32;

/**
 * With a random step in the context, dropout masks are a function of the step alone: the same step
 * gives the same mask in any run of any session (what makes a resumed run exact), another step
 * gives another mask.
 */
class StepKeyedDropoutTest {

  @Test
  void masksDependOnTheStepOnly() {
    float[][] first = masks(new long[] {3, 3, 4});
    float[][] second = masks(new long[] {3});
    assertArrayEquals(first[0], first[1], "same step, same session");
    assertArrayEquals(first[0], second[0], "same step, new session");
    assertFalse(Arrays.equals(first[0], first[2]), "another step draws another mask");
  }

  private static float[][] masks(long[] steps) {
    try (Graph g = new Graph()) {
      GraphContext base = GraphContext.create(g, Mode.TRAIN, 5);
      Placeholder<TInt64> step = base.tf().placeholder(TInt64.class, Placeholder.shape(Shape.scalar()));
      GraphContext ctx = base.withRandomStep(step);
      Operand<TFloat32> ones = ctx.tf().fill(ctx.tf().constant(new int[] {64}), ctx.tf().constant(1f));
      Operand<TFloat32> dropped = new Dropout("drop", 0.5f).apply(ctx, ones);
      float[][] out = new float[steps.length][];
      try (Session s = new Session(g)) {
        for (int i = 0; i < steps.length; i++) {
          try (TInt64 t = TInt64.scalarOf(steps[i]);
              Result r = s.runner().feed(step, t).fetch(dropped).run()) {
            out[i] = Tensors.toFloats(r, 0);
          }
        }
      }
      return out;
    }
  }
}
