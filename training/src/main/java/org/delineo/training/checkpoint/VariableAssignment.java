package org.delineo.training.checkpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.delineo.graph.Tensors;
import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Assign;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Assigns values to many variables in a few session runs. Every placeholder and assign is added to
 * the graph in one pass before the first run, and each run feeds a whole group of variables:
 * each run that follows a graph change, or has new feeds and targets, costs time in proportion to
 * the whole graph, so one run per variable made loading a large model's weights cost
 * variables × graph size (45 minutes for HRNet-W48). Groups hold at most {@code floatsPerRun}
 * values (a larger variable goes alone) so the fed tensors' memory stays bounded.
 */
final class VariableAssignment {
  /** 128 MiB of float32 values fed per run: HRNet-W48's 66 M parameters take three runs. */
  static final long DEFAULT_FLOATS_PER_RUN = 32L << 20;

  private VariableAssignment() {}

  /**
   * Assigns {@code values} (our layout, keyed by variable name) to {@code variables}.
   *
   * @return the number of session runs made
   */
  static int assign(Session session, Graph graph, Map<String, Output<TFloat32>> variables,
      Map<String, float[]> values, long floatsPerRun) {
    Ops tf = Ops.create(graph).withSubScope("init_checkpoint");
    List<Placeholder<TFloat32>> feeds = new ArrayList<>();
    List<Assign<TFloat32>> assigns = new ArrayList<>();
    List<float[]> arrays = new ArrayList<>();
    for (Map.Entry<String, float[]> e : values.entrySet()) {
      Output<TFloat32> ref = variables.get(e.getKey());
      Placeholder<TFloat32> value = tf.placeholder(TFloat32.class, Placeholder.shape(ref.shape()));
      feeds.add(value);
      assigns.add(tf.assign(ref, value));
      arrays.add(e.getValue());
    }
    int runs = 0;
    for (int start = 0; start < feeds.size(); ) {
      int end = start;
      long floats = 0;
      while (end < feeds.size() && (end == start || floats + arrays.get(end).length <= floatsPerRun)) {
        floats += arrays.get(end).length;
        end++;
      }
      List<Tensor> tensors = new ArrayList<>();
      try {
        Session.Runner runner = session.runner();
        for (int i = start; i < end; i++) {
          TFloat32 t = Tensors.floats(feeds.get(i).shape(), arrays.get(i));
          tensors.add(t);
          runner.feed(feeds.get(i), t).addTarget(assigns.get(i));
        }
        try (Result ignored = runner.run()) {
          runs++;
        }
      } finally {
        tensors.forEach(Tensor::close);
      }
      start = end;
    }
    return runs;
  }
}
