package org.delineo.graph.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.delineo.graph.Tensors;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

/**
 * Finite-difference gradient check. The output y is reduced to the scalar L = Σ y·R with a fixed
 * random R (in float64, so the reduction adds little rounding), the analytic dL/dx from
 * {@code Graph.addGradients} is compared with central differences (L(x+ε) − L(x−ε)) / 2ε for every
 * coordinate of each checked operand (a fixed random sample of {@link #MAX_COORDS} when larger).
 *
 * <p>The checked error is max|analytic − numeric| / max(1, max|numeric|): absolute for small
 * gradients, relative for large ones. Operands may be placeholders (given in {@code feeds}) or
 * variable reads (their current value is fetched and then fed), so parameters are checked the same
 * way as inputs.
 */
public final class GradientCheck {
  /** Coordinates checked per operand at most. */
  public static final int MAX_COORDS = 48;
  /** Default step: large enough for float32 rounding, small enough for smooth layers. */
  public static final double DEFAULT_EPS = 5e-3;
  /** Default tolerance on the scaled error (see class comment). */
  public static final double DEFAULT_TOLERANCE = 1e-2;

  private final Graph graph;
  private final Session session;
  private final Map<Operand<TFloat32>, float[]> base = new LinkedHashMap<>();
  private final Map<Operand<TFloat32>, Shape> shapes = new LinkedHashMap<>();
  private double eps = DEFAULT_EPS;
  private double tolerance = DEFAULT_TOLERANCE;

  private GradientCheck(Graph graph, Session session) {
    this.graph = graph;
    this.session = session;
  }

  /** A check over an initialised session of {@code graph}. */
  public static GradientCheck on(Graph graph, Session session) {
    return new GradientCheck(graph, session);
  }

  /** Feeds {@code values} to a placeholder; the point at which gradients are checked. */
  public GradientCheck feed(Operand<TFloat32> placeholder, Shape shape, float[] values) {
    base.put(placeholder, values.clone());
    shapes.put(placeholder, shape);
    return this;
  }

  public GradientCheck eps(double value) {
    this.eps = value;
    return this;
  }

  public GradientCheck tolerance(double value) {
    this.tolerance = value;
    return this;
  }

  /**
   * Asserts that dΣ(y·R)/dx matches finite differences for each operand in {@code wrt}; returns the
   * largest scaled error seen.
   */
  public double check(Operand<TFloat32> y, List<Operand<TFloat32>> wrt) {
    for (Operand<TFloat32> x : wrt) {
      if (!base.containsKey(x)) {
        base.put(x, fetch(x));
        shapes.put(x, x.shape());
      }
    }
    Ops tf = Ops.create(graph);
    float[] yValues = fetch(y);
    Shape yShape = y.shape().hasUnknownDimension() ? Shape.of(yValues.length) : y.shape();
    double[] r = new Random(1234).doubles(yValues.length, -1, 1).toArray();
    Operand<TFloat64> yFlat = tf.reshape(tf.dtypes.cast(y, TFloat64.class), tf.constant(new long[] {-1}));
    Operand<TFloat64> loss =
        tf.reduceSum(
            tf.math.mul(yFlat, tf.constant(r)), tf.constant(0));
    Output<?>[] grads = graph.addGradients(loss.asOutput(), toOutputs(wrt));
    double worst = 0;
    for (int k = 0; k < wrt.size(); k++) {
      Operand<TFloat32> x = wrt.get(k);
      if (grads[k] == null || grads[k].isClosed()) {
        fail("no gradient reaches " + x.op().name() + " (y shape " + yShape + ")");
      }
      @SuppressWarnings("unchecked")
      float[] analytic = fetch((Operand<TFloat32>) grads[k]);
      float[] x0 = base.get(x);
      double maxNumeric = 0;
      double maxDiff = 0;
      String detail = "";
      for (int i : coordinates(x0.length)) {
        float saved = x0[i];
        x0[i] = (float) (saved + eps);
        double plus = evalScalar(loss);
        x0[i] = (float) (saved - eps);
        double minus = evalScalar(loss);
        x0[i] = saved;
        double numeric = (plus - minus) / (2 * eps);
        maxNumeric = Math.max(maxNumeric, Math.abs(numeric));
        double diff = Math.abs(numeric - analytic[i]);
        if (diff > maxDiff) {
          maxDiff = diff;
          detail = "coordinate " + i + ": analytic " + analytic[i] + ", numeric " + numeric;
        }
      }
      double err = maxDiff / Math.max(1.0, maxNumeric);
      worst = Math.max(worst, err);
      if (err > tolerance) {
        fail("gradient w.r.t. " + x.op().name() + " differs from finite differences: scaled error "
            + err + " > " + tolerance + " at " + detail);
      }
    }
    return worst;
  }

  private int[] coordinates(int size) {
    if (size <= MAX_COORDS) {
      int[] all = new int[size];
      for (int i = 0; i < size; i++) {
        all[i] = i;
      }
      return all;
    }
    return new Random(99).ints(0, size).distinct().limit(MAX_COORDS).toArray();
  }

  private static Output<?>[] toOutputs(List<Operand<TFloat32>> wrt) {
    Output<?>[] outs = new Output<?>[wrt.size()];
    for (int i = 0; i < outs.length; i++) {
      outs[i] = wrt.get(i).asOutput();
    }
    return outs;
  }

  private float[] fetch(Operand<TFloat32> x) {
    List<Tensor> fed = new ArrayList<>();
    try {
      Session.Runner runner = runnerWithFeeds(fed);
      try (Result r = runner.fetch(x).run()) {
        return Tensors.toFloats(r.get(0));
      }
    } finally {
      fed.forEach(Tensor::close);
    }
  }

  private double evalScalar(Operand<TFloat64> loss) {
    List<Tensor> fed = new ArrayList<>();
    try {
      Session.Runner runner = runnerWithFeeds(fed);
      try (Result r = runner.fetch(loss).run()) {
        return ((TFloat64) r.get(0)).getDouble();
      }
    } finally {
      fed.forEach(Tensor::close);
    }
  }

  private Session.Runner runnerWithFeeds(List<Tensor> fed) {
    Session.Runner runner = session.runner();
    for (Map.Entry<Operand<TFloat32>, float[]> e : base.entrySet()) {
      TFloat32 t = Tensors.floats(shapes.get(e.getKey()), e.getValue());
      fed.add(t);
      runner.feed(e.getKey(), t);
    }
    return runner;
  }
}
