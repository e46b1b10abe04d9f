package org.delineo.graph.layers;

import static org.delineo.graph.layers.LayerTesting.assertClose;
import static org.delineo.graph.layers.LayerTesting.distinctValues;
import static org.delineo.graph.layers.LayerTesting.evaluate;
import static org.delineo.graph.layers.LayerTesting.gradientCheck;
import static org.delineo.graph.layers.LayerTesting.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

class PoolingTest {
  /** Forward values against hand or plain-Java means: float32 rounding only. */
  private static final double VALUE_TOL = 1e-5;

  /** x(h, w) = 7h + w on a 1×5×7×1 grid: rectangle means are 7·mean(h) + mean(w). */
  private static float[] ramp5x7() {
    float[] x = new float[35];
    for (int i = 0; i < 35; i++) {
      x[i] = i;
    }
    return x;
  }

  @Test
  void adaptiveAvgPoolByHand() {
    // 5 -> 2 rows: bins [0,3) and [2,5) (row 2 shared), mean h = 1 and 3.
    // 7 -> 3 cols: bins [0,3), [2,5), [4,7), mean w = 1, 3, 5.
    float[] to2x3 = {8, 10, 12, 22, 24, 26};
    assertClose(to2x3, evaluate(Shape.of(1, 5, 7, 1), ramp5x7(),
        (tf, x) -> Pooling.adaptiveAvgPool2d(tf, x, 2, 3)), VALUE_TOL, "adaptive avg 5x7 -> 2x3");
    // 5 -> 3 rows: bins [0,2), [1,4), [3,5), mean h = 0.5, 2, 3.5 -> 7·mean h = 3.5, 14, 24.5.
    float[] to3x3 = {4.5f, 6.5f, 8.5f, 15, 17, 19, 25.5f, 27.5f, 29.5f};
    assertClose(to3x3, evaluate(Shape.of(1, 5, 7, 1), ramp5x7(),
        (tf, x) -> Pooling.adaptiveAvgPool2d(tf, x, 3, 3)), VALUE_TOL, "adaptive avg 5x7 -> 3x3");
  }

  @Test
  void adaptiveAvgPoolMatchesJavaBinMeans() {
    float[] x = uniform(2 * 5 * 7 * 3, 11, -1, 1);
    for (int[] out : new int[][] {{2, 3}, {3, 3}, {1, 1}, {6, 6}, {5, 7}}) {
      float[] y = evaluate(Shape.of(2, 5, 7, 3), x,
          (tf, in) -> Pooling.adaptiveAvgPool2d(tf, in, out[0], out[1]));
      assertClose(adaptiveReference(x, 2, 5, 7, 3, out[0], out[1]), y,
          VALUE_TOL, "adaptive avg to " + out[0] + "x" + out[1]);
    }
  }

  /** PyTorch's AdaptiveAvgPool2d: bin i spans [floor(i·L/out), ceil((i+1)·L/out)) per axis. */
  private static float[] adaptiveReference(float[] x, int n, int h, int w, int c, int oh, int ow) {
    float[] y = new float[n * oh * ow * c];
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < oh; i++) {
        int h0 = (int) Math.floor((double) i * h / oh);
        int h1 = (int) Math.ceil((double) (i + 1) * h / oh);
        for (int j = 0; j < ow; j++) {
          int w0 = (int) Math.floor((double) j * w / ow);
          int w1 = (int) Math.ceil((double) (j + 1) * w / ow);
          for (int ch = 0; ch < c; ch++) {
            double sum = 0;
            for (int r = h0; r < h1; r++) {
              for (int q = w0; q < w1; q++) {
                sum += x[((b * h + r) * w + q) * c + ch];
              }
            }
            y[((b * oh + i) * ow + j) * c + ch] = (float) (sum / ((h1 - h0) * (w1 - w0)));
          }
        }
      }
    }
    return y;
  }

  @Test
  void torchPaddedMaxPoolCentresTheWindows() {
    // nn.MaxPool2d(3, 2, padding=1) on 4×4: windows centred on rows/cols 0 and 2, i.e. covering
    // rows {0,1} and {1,2,3}. With x = 4h + w the max of a window is its bottom-right cell:
    // out = [[x(1,1), x(1,3)], [x(3,1), x(3,3)]] = [[5, 7], [13, 15]]. (TF SAME would cover
    // rows {0,1,2} and {2,3} and give [[10, 11], [14, 15]].)
    float[] x = new float[16];
    for (int i = 0; i < 16; i++) {
      x[i] = i;
    }
    assertClose(new float[] {5, 7, 13, 15},
        evaluate(Shape.of(1, 4, 4, 1), x, (tf, in) -> Pooling.maxPool2d(tf, in, 3, 2, 1)),
        VALUE_TOL, "max pool k3 s2 p1");
  }

  @Test
  void globalAvgPoolMeansSpatialAxes() {
    // [1, 2, 2, 2]: channel 0 = 1, 2, 3, 4 (mean 2.5), channel 1 = 10, 20, 30, 40 (mean 25).
    float[] x = {1, 10, 2, 20, 3, 30, 4, 40};
    assertClose(new float[] {2.5f, 25}, evaluate(Shape.of(1, 2, 2, 2), x, Pooling::globalAvgPool2d),
        VALUE_TOL, "global avg 2d");
    // [1, 2, 1, 2, 1]: mean of 1, 2, 3, 4.
    assertClose(new float[] {2.5f}, evaluate(Shape.of(1, 2, 1, 2, 1), new float[] {1, 2, 3, 4},
        Pooling::globalAvgPool3d), VALUE_TOL, "global avg 3d");
  }

  @Test
  void rejectsBadWindowsAndShapes() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, 4, 4, 1)));
      assertThrows(DelineoException.class, () -> Pooling.maxPool3d(tf, x, 2, 2, PoolPadding.SAME));
      assertThrows(DelineoException.class, () -> Pooling.maxPool2d(tf, x, 3, 2, 2));
      assertThrows(DelineoException.class,
          () -> Pooling.avgPool2d(tf, x, new int[] {2}, new int[] {2, 2}, PoolPadding.VALID));
      Operand<TFloat32> dynamic = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, -1, 4, 1)));
      assertThrows(DelineoException.class, () -> Pooling.adaptiveAvgPool2d(tf, dynamic, 2, 2));
    }
  }

  // ---- gradients (harness defaults: ε = 5e-3, scaled error ≤ 1e-2); max pools use values spaced
  // 0.05 apart so no window has a tie within the finite-difference step ----

  @Test
  void maxPool2dGradients() {
    float[] x = distinctValues(1 * 5 * 5 * 2, 21);
    gradientCheck(Shape.of(1, 5, 5, 2), x, (tf, in) -> Pooling.maxPool2d(tf, in, 2, 2, PoolPadding.SAME));
    gradientCheck(Shape.of(1, 5, 5, 2), x, (tf, in) -> Pooling.maxPool2d(tf, in, 3, 2, PoolPadding.VALID));
    gradientCheck(Shape.of(1, 5, 5, 2), x, (tf, in) -> Pooling.maxPool2d(tf, in, 3, 2, 1));
  }

  @Test
  void adaptiveAvgPoolGradients() {
    float[] x = uniform(2 * 5 * 7 * 3, 25, -1, 1);
    for (int[] out : new int[][] {{2, 3}, {3, 3}, {1, 1}, {6, 6}}) {
      gradientCheck(Shape.of(2, 5, 7, 3), x, (tf, in) -> Pooling.adaptiveAvgPool2d(tf, in, out[0], out[1]));
    }
  }

  @Test
  void adaptiveAvgPoolKeepsTheStaticShapeAndReadsNoSlices() {
    // Slices would each get a full-size Pad as gradient, all alive until summed.
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 32, 32, 8)));
      assertArrayEquals(new long[] {-1, 6, 6, 8}, Pooling.adaptiveAvgPool2d(tf, x, 6, 6).shape().asArray());
      g.operations().forEachRemaining(op -> assertNotEquals("Slice", op.type(), op.name()));
    }
  }

  @Test
  void avgPool2dGradients() {
    float[] x = uniform(1 * 5 * 5 * 2, 22, -1, 1);
    gradientCheck(Shape.of(1, 5, 5, 2), x, (tf, in) -> Pooling.avgPool2d(tf, in, 3, 2, PoolPadding.SAME));
    gradientCheck(Shape.of(1, 5, 5, 2), x,
        (tf, in) -> Pooling.avgPool2d(tf, in, new int[] {2, 3}, new int[] {2, 1}, PoolPadding.VALID));
  }

  @Test
  void maxPool3dGradients() {
    float[] x = distinctValues(1 * 3 * 4 * 4 * 1, 23);
    gradientCheck(Shape.of(1, 3, 4, 4, 1), x, (tf, in) -> Pooling.maxPool3d(tf, in, 2, 2, PoolPadding.SAME));
    gradientCheck(Shape.of(1, 3, 4, 4, 1), x,
        (tf, in) -> Pooling.maxPool3d(tf, in, new int[] {1, 2, 2}, new int[] {1, 2, 2}, PoolPadding.VALID));
  }

  @Test
  void avgPool3dGradients() {
    float[] x = uniform(1 * 3 * 4 * 4 * 1, 24, -1, 1);
    gradientCheck(Shape.of(1, 3, 4, 4, 1), x, (tf, in) -> Pooling.avgPool3d(tf, in, 2, 2, PoolPadding.SAME));
    gradientCheck(Shape.of(1, 3, 4, 4, 1), x, (tf, in) -> Pooling.avgPool3d(tf, in, 3, 1, PoolPadding.VALID));
  }

  @Test
  void adaptiveAndGlobalPoolGradients() {
    float[] x = uniform(1 * 5 * 7 * 2, 25, -1, 1);
    gradientCheck(Shape.of(1, 5, 7, 2), x, (tf, in) -> Pooling.adaptiveAvgPool2d(tf, in, 3, 2));
    gradientCheck(Shape.of(1, 5, 7, 2), x, (tf, in) -> Pooling.adaptiveAvgPool2d(tf, in, 6, 6));
    gradientCheck(Shape.of(1, 5, 7, 2), x, Pooling::globalAvgPool2d);
    gradientCheck(Shape.of(1, 5, 7, 2, 1), x, Pooling::globalAvgPool3d);
  }
}
