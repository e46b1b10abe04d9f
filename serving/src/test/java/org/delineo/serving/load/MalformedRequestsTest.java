package org.delineo.serving.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.serving.Prediction;
import org.delineo.serving.Predictor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

/**
 * Malformed requests to {@link Predictor} fail with one clear message (what was expected, what was
 * found) before reaching TensorFlow, and the predictor then still answers a correct request
 * correctly (checked against the plain-Java model).
 */
class MalformedRequestsTest {
  private static final int C = PointwiseExports.C;
  @TempDir static Path dir;
  private static Path model2d;
  private static Path masked3d;

  @BeforeAll
  static void export() throws IOException {
    model2d = PointwiseExports.dynamic2d(dir);
    masked3d = PointwiseExports.masked3d(dir);
  }

  private static float[] values(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (i % 7) * 0.3f - 1;
    }
    return v;
  }

  /** The error of {@code request} is a {@code type} whose message has every one of {@code parts}. */
  private static void rejects(Class<? extends DelineoException> type, Executable request, String... parts) {
    DelineoException e = assertThrows(type, request);
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
    }
  }

  /** A correct request still gets the plain-Java model's answer. */
  private static void stillServes(Predictor p, int[] shape) {
    float[] x = values(Arrays.stream(shape).reduce(1, (a, b) -> a * b));
    Prediction answer = p.predict(x, shape);
    Prediction expected = PointwiseExports.reference(x, shape);
    assertEquals(null, AnswerCheck.problem(answer, expected.shape(), PointwiseExports.K));
    assertEquals(null, AnswerCheck.mismatch(answer, expected, 1e-5));
  }

  @Test
  void shapeMistakesNameExpectedAndFound() {
    try (Predictor p = Predictor.load(model2d)) {
      rejects(ShapeMismatchException.class, () -> p.predict(values(4 * 4 * 3), new int[] {4, 4, 3}),
          "expects 2 channels, found 3");
      rejects(ShapeMismatchException.class, () -> p.predict(values(16 * C), new int[] {16, C}),
          "expected 3 sizes (H, W, C)", "found [16, 2]");
      rejects(ShapeMismatchException.class, () -> p.predict(values(2 * 4 * 4 * C), new int[] {1, 2, 4, 4, C}),
          "expected 3 sizes", "found [1, 2, 4, 4, 2]");
      rejects(ShapeMismatchException.class, () -> p.predict(values(31), new int[] {4, 4, C}),
          "needs 32 values, found 31");
      // A volume of slices for the 2D model, one value short.
      rejects(ShapeMismatchException.class, () -> p.predict(values(2 * 4 * 4 * C - 1), new int[] {2, 4, 4, C}),
          "needs 64 values, found 63");
      stillServes(p, new int[] {5, 6, C});
    }
  }

  @Test
  void emptyAndMissingInputsAreRejected() {
    try (Predictor p = Predictor.load(model2d)) {
      rejects(ShapeMismatchException.class, () -> p.predict(new float[0], new int[] {0, 4, C}),
          "sizes must be positive", "[0, 4, 2]");
      rejects(ShapeMismatchException.class, () -> p.predict(new float[0], new int[] {4, 4, C}),
          "needs 32 values, found 0");
      rejects(ShapeMismatchException.class, () -> p.predict(new float[0], new int[0]), "expected 3 sizes");
      rejects(DelineoException.class, () -> p.predict(null, new int[] {4, 4, C}), "found none (null)");
      rejects(DelineoException.class, () -> p.predict(null, new int[] {2, 4, 4, C}), "found none (null)");
      rejects(ShapeMismatchException.class, () -> p.predict(values(8), null), "found null");
      stillServes(p, new int[] {3, 9, C});
    }
  }

  /** NaN and infinities are rejected, named by index, voxel and channel; missing data goes as zeros. */
  @Test
  void nonFiniteValuesAreRejected() {
    try (Predictor p = Predictor.load(model2d)) {
      float[] nan = values(4 * 4 * C);
      nan[13] = Float.NaN;
      rejects(DelineoException.class, () -> p.predict(nan, new int[] {4, 4, C}),
          "value NaN at index 13 (voxel 6, channel 1)", "expected finite values");
      float[] inf = values(3 * 4 * 4 * C);
      inf[40] = Float.NEGATIVE_INFINITY;
      // A volume of slices: the value is in the second slice (index 40 of [3, 4, 4, 2]).
      rejects(DelineoException.class, () -> p.predict(inf, new int[] {3, 4, 4, C}),
          "value -Infinity at index 40 (voxel 20, channel 0)");
      stillServes(p, new int[] {4, 4, C});
    }
  }

  @Test
  void modalityMaskOfTheWrongLengthIsRejected() {
    try (Predictor p = Predictor.load(masked3d)) {
      int[] shape = {2, 3, 2, C};
      rejects(ShapeMismatchException.class, () -> p.predict(values(12 * C), shape, new boolean[] {true}),
          "expects 2 flags", "found 1");
      rejects(ShapeMismatchException.class, () -> p.predict(values(12 * C), shape, new boolean[] {true, true, false}),
          "expects 2 flags", "found 3");
      stillServes(p, shape);
    }
  }
}
