package org.delineo.graph.layers;

import static org.delineo.graph.layers.LayerTesting.assertClose;
import static org.delineo.graph.layers.LayerTesting.evaluate;
import static org.delineo.graph.layers.LayerTesting.gradientCheck;
import static org.delineo.graph.layers.LayerTesting.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.delineo.graph.DelineoException;
import org.delineo.graph.Tensors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
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

class ResizeTest {
  /** Forward values against the plain-Java interpolation: float32 arithmetic only. */
  private static final double VALUE_TOL = 1e-5;

  // ---- independent plain-Java interpolation (PyTorch's definitions) ----

  /** Source coordinate of output index i along an axis resized from {@code in} to {@code out}. */
  private static double source(int i, int in, int out, ResizeMode mode) {
    if (mode == ResizeMode.ALIGN_CORNERS) {
      return out == 1 ? 0 : i * (in - 1.0) / (out - 1.0);
    }
    double s = (i + 0.5) * in / out - 0.5;
    return Math.min(Math.max(s, 0), in - 1);
  }

  /** {lower index, upper index} and the weight of the upper one for output index i. */
  private static double[] taps(int i, int in, int out, ResizeMode mode) {
    double s = source(i, in, out, mode);
    int lo = (int) Math.floor(s);
    int hi = Math.min(lo + 1, in - 1);
    return new double[] {lo, hi, s - lo};
  }

  /** Bilinear resize of row-major [n, h, w, c] to [n, oh, ow, c]. */
  static float[] bilinearReference(float[] x, int n, int h, int w, int c, int oh, int ow, ResizeMode mode) {
    float[] y = new float[n * oh * ow * c];
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < oh; i++) {
        double[] ti = taps(i, h, oh, mode);
        for (int j = 0; j < ow; j++) {
          double[] tj = taps(j, w, ow, mode);
          for (int ch = 0; ch < c; ch++) {
            double sum = 0;
            for (int a = 0; a < 2; a++) {
              for (int bb = 0; bb < 2; bb++) {
                double wgt = (a == 0 ? 1 - ti[2] : ti[2]) * (bb == 0 ? 1 - tj[2] : tj[2]);
                int si = (int) ti[a];
                int sj = (int) tj[bb];
                sum += wgt * x[((b * h + si) * w + sj) * c + ch];
              }
            }
            y[((b * oh + i) * ow + j) * c + ch] = (float) sum;
          }
        }
      }
    }
    return y;
  }

  /** Trilinear resize of row-major [n, d, h, w, c] to [n, od, oh, ow, c], blending 8 neighbours. */
  static float[] trilinearReference(
      float[] x, int n, int d, int h, int w, int c, int od, int oh, int ow, ResizeMode mode) {
    float[] y = new float[n * od * oh * ow * c];
    for (int b = 0; b < n; b++) {
      for (int k = 0; k < od; k++) {
        double[] tk = taps(k, d, od, mode);
        for (int i = 0; i < oh; i++) {
          double[] ti = taps(i, h, oh, mode);
          for (int j = 0; j < ow; j++) {
            double[] tj = taps(j, w, ow, mode);
            for (int ch = 0; ch < c; ch++) {
              double sum = 0;
              for (int corner = 0; corner < 8; corner++) {
                int ck = (corner >> 2) & 1;
                int ci = (corner >> 1) & 1;
                int cj = corner & 1;
                double wgt = (ck == 0 ? 1 - tk[2] : tk[2])
                    * (ci == 0 ? 1 - ti[2] : ti[2])
                    * (cj == 0 ? 1 - tj[2] : tj[2]);
                int sk = (int) tk[ck];
                int si = (int) ti[ci];
                int sj = (int) tj[cj];
                sum += wgt * x[(((b * d + sk) * h + si) * w + sj) * c + ch];
              }
              y[(((b * od + k) * oh + i) * ow + j) * c + ch] = (float) sum;
            }
          }
        }
      }
    }
    return y;
  }

  // ---- forward values ----

  @ParameterizedTest
  @EnumSource(ResizeMode.class)
  void bilinearUpsampleMatchesJavaInterpolation(ResizeMode mode) {
    float[] x = uniform(2 * 3 * 4 * 2, 1, -1, 1);
    float[] y = evaluate(Shape.of(2, 3, 4, 2), x, (tf, in) -> Resize.bilinear2d(tf, in, 5, 7, mode));
    assertClose(bilinearReference(x, 2, 3, 4, 2, 5, 7, mode), y, VALUE_TOL, "bilinear up " + mode);
  }

  @ParameterizedTest
  @EnumSource(ResizeMode.class)
  void bilinearDownsampleMatchesJavaInterpolation(ResizeMode mode) {
    float[] x = uniform(1 * 5 * 7 * 2, 2, -1, 1);
    float[] y = evaluate(Shape.of(1, 5, 7, 2), x, (tf, in) -> Resize.bilinear2d(tf, in, 3, 2, mode));
    assertClose(bilinearReference(x, 1, 5, 7, 2, 3, 2, mode), y, VALUE_TOL, "bilinear down " + mode);
  }

  @Test
  void bilinearToDynamicSizeOfAnotherTensor() {
    float[] x = uniform(1 * 3 * 4 * 1, 3, -1, 1);
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> logits = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, 3, 4, 1)));
      // Labels of unknown spatial size, as a data pipeline feeds them.
      Operand<TInt32> labels = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(1, -1, -1)));
      Operand<TInt32> size =
          tf.stridedSlice(tf.shape(labels), tf.constant(new int[] {1}), tf.constant(new int[] {3}), tf.constant(new int[] {1}));
      Operand<TFloat32> y = Resize.bilinear2d(tf, logits, size, ResizeMode.HALF_PIXEL);
      try (Session s = new Session(g);
          TFloat32 in = Tensors.floats(Shape.of(1, 3, 4, 1), x);
          TInt32 lab = Tensors.ints(Shape.of(1, 6, 5), new int[30]);
          Result r = s.runner().feed(logits, in).feed(labels, lab).fetch(y).run()) {
        assertArrayEquals(new long[] {1, 6, 5, 1}, r.get(0).shape().asArray());
        assertClose(bilinearReference(x, 1, 3, 4, 1, 6, 5, ResizeMode.HALF_PIXEL), Tensors.toFloats(r, 0),
            VALUE_TOL, "bilinear to the labels' size");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(ResizeMode.class)
  void trilinearMatchesJavaInterpolation(ResizeMode mode) {
    // [1, 2, 3, 2, 1] -> [1, 3, 5, 4, 1]: upsampling on every axis, by different factors.
    float[] x = uniform(2 * 3 * 2, 4, -1, 1);
    float[] y = evaluate(Shape.of(1, 2, 3, 2, 1), x, (tf, in) -> Resize.trilinear3d(tf, in, 3, 5, 4, mode));
    assertClose(trilinearReference(x, 1, 2, 3, 2, 1, 3, 5, 4, mode), y, VALUE_TOL, "trilinear up " + mode);
  }

  @ParameterizedTest
  @EnumSource(ResizeMode.class)
  void trilinearMixedDownAndUpWithBatchAndChannels(ResizeMode mode) {
    float[] x = uniform(2 * 4 * 3 * 5 * 2, 5, -1, 1);
    float[] y = evaluate(Shape.of(2, 4, 3, 5, 2), x, (tf, in) -> Resize.trilinear3d(tf, in, 3, 4, 2, mode));
    assertClose(trilinearReference(x, 2, 4, 3, 5, 2, 3, 4, 2, mode), y, VALUE_TOL, "trilinear mixed " + mode);
  }

  @Test
  void trilinearAlignCornersByHand() {
    // 2×2×2 -> 3×3×3 with align corners: every axis samples source coordinates 0, 0.5, 1, so the
    // weight of input corner (1,1,1) at output (k,i,j) is (k/2)(i/2)(j/2).
    // Channel 0: only corner (1,1,1) = 8, the rest 0  ->  out(k,i,j) = 8·(k/2)(i/2)(j/2) = k·i·j,
    //   e.g. out(1,1,1) = 1 (cube centre), out(2,2,1) = 4 (edge midpoint), out(2,2,2) = 8.
    // Channel 1: value = d (0 on the front plane, 1 on the back)  ->  out(k,i,j) = k/2.
    float[] x = new float[16];
    for (int d = 0; d < 2; d++) {
      for (int h = 0; h < 2; h++) {
        for (int w = 0; w < 2; w++) {
          int base = ((d * 2 + h) * 2 + w) * 2;
          x[base] = (d == 1 && h == 1 && w == 1) ? 8 : 0;
          x[base + 1] = d;
        }
      }
    }
    float[] expected = {
      // k = 0: channel 0 all 0, channel 1 all 0
      0, 0, 0, 0, 0, 0,   0, 0, 0, 0, 0, 0,   0, 0, 0, 0, 0, 0,
      // k = 1: channel 0 = i·j, channel 1 = 0.5
      0, .5f, 0, .5f, 0, .5f,   0, .5f, 1, .5f, 2, .5f,   0, .5f, 2, .5f, 4, .5f,
      // k = 2: channel 0 = 2·i·j, channel 1 = 1
      0, 1, 0, 1, 0, 1,   0, 1, 2, 1, 4, 1,   0, 1, 4, 1, 8, 1,
    };
    float[] y = evaluate(Shape.of(1, 2, 2, 2, 2), x,
        (tf, in) -> Resize.trilinear3d(tf, in, 3, 3, 3, ResizeMode.ALIGN_CORNERS));
    assertClose(expected, y, VALUE_TOL, "trilinear align corners by hand");
  }

  @Test
  void nearestFollowsPytorchFloorRule() {
    // PyTorch mode='nearest': output i takes input floor(i·in/out).
    int[] labels = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}; // [1, 3, 4, 1]
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TInt32> x = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(1, 3, 4, 1)));
      Operand<TInt32> y = Resize.nearest2d(tf, x, 5, 3);
      try (Session s = new Session(g);
          TInt32 in = Tensors.ints(Shape.of(1, 3, 4, 1), labels);
          Result r = s.runner().feed(x, in).fetch(y).run()) {
        int[] expected = new int[15];
        for (int i = 0; i < 5; i++) {
          for (int j = 0; j < 3; j++) {
            expected[i * 3 + j] = labels[(i * 3 / 5) * 4 + (j * 4 / 3)];
          }
        }
        assertArrayEquals(expected, Tensors.toInts(r.get(0)));
      }
    }
  }

  @Test
  void trilinearNeedsStaticSpatialShape() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, -1, 3, 3, 1)));
      DelineoException e = assertThrows(DelineoException.class,
          () -> Resize.trilinear3d(tf, x, 2, 2, 2, ResizeMode.ALIGN_CORNERS));
      assertTrue(e.getMessage().contains("static"), e.getMessage());
    }
  }

  // ---- gradients (harness defaults: ε = 5e-3, scaled error ≤ 1e-2) ----

  @ParameterizedTest
  @EnumSource(ResizeMode.class)
  void bilinearGradients(ResizeMode mode) {
    float[] x = uniform(1 * 3 * 4 * 2, 6, -1, 1);
    gradientCheck(Shape.of(1, 3, 4, 2), x, (tf, in) -> Resize.bilinear2d(tf, in, 5, 6, mode));
    float[] big = uniform(1 * 6 * 5 * 1, 7, -1, 1);
    gradientCheck(Shape.of(1, 6, 5, 1), big, (tf, in) -> Resize.bilinear2d(tf, in, 4, 3, mode));
  }

  @ParameterizedTest
  @EnumSource(ResizeMode.class)
  void trilinearGradients(ResizeMode mode) {
    float[] x = uniform(2 * 3 * 2 * 2, 8, -1, 1);
    gradientCheck(Shape.of(1, 2, 3, 2, 2), x, (tf, in) -> Resize.trilinear3d(tf, in, 3, 4, 3, mode));
    float[] big = uniform(4 * 3 * 5, 9, -1, 1);
    gradientCheck(Shape.of(1, 4, 3, 5, 1), big, (tf, in) -> Resize.trilinear3d(tf, in, 3, 2, 3, mode));
  }
}
