package org.delineo.graph.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Tensors;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
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
      Session.Runner runner = session.runner();
      for (Map.Entry<Operand<TFloat32>, FedValues> e : feeds.entrySet()) {
        TFloat32 t = Tensors.floats(e.getValue().shape(), e.getValue().values());
        fed.add(t);
        runner.feed(e.getKey(), t);
      }
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
      Session.Runner runner = session.runner();
      for (Map.Entry<Operand<TFloat32>, FedValues> e : feeds.entrySet()) {
        TFloat32 t = Tensors.floats(e.getValue().shape(), e.getValue().values());
        fed.add(t);
        runner.feed(e.getKey(), t);
      }
      targets.forEach(runner::addTarget);
      runner.run().close();
    } finally {
      fed.forEach(Tensor::close);
    }
  }

  /** A float placeholder of the given (possibly partly unknown, −1) shape. */
  static Operand<TFloat32> placeholder(GraphContext ctx, long... dims) {
    Ops tf = ctx.tf();
    return tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(dims)));
  }

  /** The identity read of an existing float variable. */
  @SuppressWarnings("unchecked")
  static Operand<TFloat32> read(GraphContext ctx, String name) {
    return (Operand<TFloat32>) ctx.variables().find(name).orElseThrow().value();
  }

  /** 0, 1, ..., rank−1: every axis of a tensor of static rank. */
  static int[] allAxes(Operand<?> x) {
    int[] axes = new int[x.shape().numDimensions()];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i;
    }
    return axes;
  }

  /** Reproducible values uniform in [lo, hi). */
  static float[] uniform(int n, long seed, double lo, double hi) {
    Random r = new Random(seed);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (lo + (hi - lo) * r.nextDouble());
    }
    return out;
  }

  static void assertClose(float[] expected, float[] actual, double tol, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      if (Math.abs(expected[i] - actual[i]) > tol) {
        fail(
            what + " differs at " + i + ": expected " + expected[i] + ", found " + actual[i]
                + " (tolerance " + tol + ")");
      }
    }
  }
}
