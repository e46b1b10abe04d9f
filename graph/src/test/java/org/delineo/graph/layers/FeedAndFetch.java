package org.delineo.graph.layers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.Tensors;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.types.TFloat32;

/** Test helper: one session run with float feeds (placeholders or variable reads) and float fetches. */
final class FeedAndFetch {
  private final Session session;
  private final Map<Operand<TFloat32>, FedValues> feeds = new LinkedHashMap<>();

  private record FedValues(Shape shape, float[] values) {}

  private FeedAndFetch(Session session) {
    this.session = session;
  }

  static FeedAndFetch on(Session session) {
    return new FeedAndFetch(session);
  }

  FeedAndFetch feed(Operand<TFloat32> target, Shape shape, float[] values) {
    feeds.put(target, new FedValues(shape, values));
    return this;
  }

  /** Runs once, fetching every operand; returns their values in row-major order. */
  @SafeVarargs
  final float[][] fetch(Operand<TFloat32>... fetches) {
    List<Tensor> fed = new ArrayList<>();
    try {
      Session.Runner runner = fedRunner(fed);
      for (Operand<TFloat32> f : fetches) {
        runner.fetch(f);
      }
      try (Result r = runner.run()) {
        float[][] out = new float[fetches.length][];
        for (int i = 0; i < fetches.length; i++) {
          out[i] = Tensors.toFloats(r.get(i));
        }
        return out;
      }
    } finally {
      fed.forEach(Tensor::close);
    }
  }

  /** Runs the targets once (e.g. update ops) with the feeds, fetching nothing. */
  void runTargets(List<? extends Op> targets) {
    List<Tensor> fed = new ArrayList<>();
    try {
      Session.Runner runner = fedRunner(fed);
      targets.forEach(runner::addTarget);
      runner.run().close();
    } finally {
      fed.forEach(Tensor::close);
    }
  }

  /** A runner with every feed attached; the tensors it creates go to {@code fed} for the caller to close. */
  private Session.Runner fedRunner(List<Tensor> fed) {
    Session.Runner runner = session.runner();
    for (Map.Entry<Operand<TFloat32>, FedValues> e : feeds.entrySet()) {
      TFloat32 t = Tensors.floats(e.getValue().shape(), e.getValue().values());
      fed.add(t);
      runner.feed(e.getKey(), t);
    }
    return runner;
  }
}
