package org.delineo.graph.heads;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.Tensors;
import org.delineo.graph.testing.StateDictFeeds;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/** Test helper: one session run with float placeholder feeds, optional weight feeds, float fetches. */
final class FeedRun {
  private final Session session;
  private final Map<Operand<TFloat32>, TFloat32> feeds = new LinkedHashMap<>();
  private StateDictFeeds weights;

  private FeedRun(Session session) {
    this.session = session;
  }

  static FeedRun on(Session session) {
    return new FeedRun(session);
  }

  FeedRun feed(Operand<TFloat32> placeholder, Shape shape, float[] values) {
    feeds.put(placeholder, Tensors.floats(shape, values));
    return this;
  }

  /** Feeds every variable read its value from {@code values} instead of the variable. */
  FeedRun weights(StateDictFeeds values) {
    this.weights = values;
    return this;
  }

  /** Runs once and returns every fetch's values in row-major order; closes the fed tensors. */
  float[][] fetch(List<Operand<TFloat32>> fetches) {
    try {
      Session.Runner runner = session.runner();
      feeds.forEach(runner::feed);
      if (weights != null) {
        weights.feed(runner);
      }
      fetches.forEach(runner::fetch);
      try (Result r = runner.run()) {
        float[][] out = new float[fetches.size()][];
        for (int i = 0; i < out.length; i++) {
          out[i] = Tensors.toFloats(r.get(i));
        }
        return out;
      }
    } finally {
      feeds.values().forEach(Tensor::close);
    }
  }

  @SafeVarargs
  final float[][] fetch(Operand<TFloat32>... fetches) {
    return fetch(new ArrayList<>(List.of(fetches)));
  }
}
