package org.delineo.losses.semsim;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.delineo.graph.Tensors;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Test helper: builds a graph of constants, runs it once and returns every fetched value flat. */
final class GraphRun {
  private GraphRun() {}

  /** Evaluates the operands {@code build} returns. */
  static List<float[]> eval(Function<Ops, List<Operand<TFloat32>>> build) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      List<Operand<TFloat32>> outs = build.apply(tf);
      try (Session s = new Session(g)) {
        Session.Runner runner = s.runner();
        outs.forEach(runner::fetch);
        try (Result r = runner.run()) {
          List<float[]> values = new ArrayList<>();
          for (int i = 0; i < outs.size(); i++) {
            values.add(Tensors.toFloats(r, i));
          }
          return values;
        }
      }
    }
  }

  static Operand<TFloat32> floats(Ops tf, Shape shape, float[] values) {
    return tf.reshape(tf.constant(values), tf.constant(shape.asArray()));
  }

  static Operand<TInt32> ints(Ops tf, Shape shape, int[] values) {
    return tf.reshape(tf.constant(values), tf.constant(shape.asArray()));
  }

  /** Reproducible values uniform in [lo, hi). */
  static float[] uniform(int n, long seed, double lo, double hi) {
    java.util.Random r = new java.util.Random(seed);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (lo + (hi - lo) * r.nextDouble());
    }
    return out;
  }
}
