package org.delineo.graph.layers;

import static org.delineo.graph.layers.LayerTesting.assertClose;
import static org.delineo.graph.layers.LayerTesting.gradientCheckLayer;
import static org.delineo.graph.layers.LayerTesting.placeholder;
import static org.delineo.graph.layers.LayerTesting.read;
import static org.delineo.graph.layers.LayerTesting.uniform;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

class InstanceNormTest {
  private static final double FORWARD_TOL = 1e-4;
  private static final double GRAD_TOL = GradientCheck.DEFAULT_TOLERANCE; // 1e-2 scaled error, eps 5e-3

  @Test
  void defaultHasNoParametersAndNormalisesEachSampleAndChannel() {
    // NDHWC [2, 1, 2, 2, 3]: each (sample, channel) over 1·2·2 positions.
    float[] x = uniform(24, 21, -1, 4);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Operand<TFloat32> in = placeholder(ctx, 2, 1, 2, 2, 3);
      Operand<TFloat32> y = new InstanceNorm("in").apply(ctx, in);
      assertTrue(ctx.variables().all().isEmpty(), "PyTorch default affine=False: no variables");
      assertTrue(ctx.updateOps().isEmpty(), "no running statistics");
      s.initialize();
      float[] out = FeedAndFetch.on(s).feed(in, Shape.of(2, 1, 2, 2, 3), x).fetch(y)[0];
      assertClose(reference(x, 2, 3, new float[] {1, 1, 1}, new float[3]), out, FORWARD_TOL, "instance norm");
    }
  }

  @Test
  void affineScalesAndShiftsPerChannel() {
    float[] x = uniform(24, 22, -2, 2);
    float[] w = {0.5f, 2f, -1f};
    float[] b = {0.1f, -0.2f, 0.3f};
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 1);
      Operand<TFloat32> in = placeholder(ctx, 2, 2, 2, 3);
      Operand<TFloat32> y = new InstanceNorm("in", 1e-5f, true).apply(ctx, in);
      s.initialize();
      float[] out = FeedAndFetch.on(s).feed(in, Shape.of(2, 2, 2, 3), x)
          .feed(read(ctx, "in.weight"), Shape.of(3), w)
          .feed(read(ctx, "in.bias"), Shape.of(3), b)
          .fetch(y)[0];
      assertClose(reference(x, 2, 3, w, b), out, FORWARD_TOL, "affine instance norm");
    }
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    gradientCheckLayer(
        new InstanceNorm("in", 1e-5f, true), 1, Shape.of(2, 2, 2, 3), uniform(24, 23, -2, 2), GRAD_TOL);
  }

  @Test
  void rejectsInputWithoutSpatialAxes() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      assertThrows(ShapeMismatchException.class, () -> new InstanceNorm("in").apply(ctx, placeholder(ctx, 2, 3)));
    }
  }

  /** Channels-last instance norm with eps 1e-5: per sample and channel over all positions. */
  private static float[] reference(float[] x, int batch, int channels, float[] w, float[] b) {
    int perSample = x.length / batch;
    int positions = perSample / channels;
    float[] out = new float[x.length];
    for (int n = 0; n < batch; n++) {
      for (int c = 0; c < channels; c++) {
        double sum = 0;
        for (int p = 0; p < positions; p++) {
          sum += x[n * perSample + p * channels + c];
        }
        double mean = sum / positions;
        double sq = 0;
        for (int p = 0; p < positions; p++) {
          double d = x[n * perSample + p * channels + c] - mean;
          sq += d * d;
        }
        double inv = 1 / Math.sqrt(sq / positions + 1e-5);
        for (int p = 0; p < positions; p++) {
          int i = n * perSample + p * channels + c;
          out[i] = (float) ((x[i] - mean) * inv * w[c] + b[c]);
        }
      }
    }
    return out;
  }
}
