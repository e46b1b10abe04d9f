package org.delineo.graph.models.semsim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.Tensors;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Patch matching: the grouped sequence of window k holds exactly the tokens of one image region at
 * every scale. Positions are encoded in the feature values, so the check needs no knowledge of the
 * reshape order. All comparisons are exact (values are small integers and halves, tolerance 0).
 */
class WindowGroupingTest {
  // Image 32 x 48 (non-square, so a swapped H/W would show); scales of stride 2, 4, 8 as encoder
  // stages 1, 2, 3 of a UNet; 2 x 2 windows; batch 2.
  private static final int IMG_H = 32;
  private static final int IMG_W = 48;
  private static final int[] STRIDES = {2, 4, 8};
  private static final int S = 2;
  private static final int N = 2;
  private static final int D = 4; // channels: y centre, x centre (image pixels), scale id, sample id

  /** [N, H/s, W/s, 4] whose channels give each pixel's centre in image coordinates, scale and sample. */
  private static float[] positions(int scale) {
    int s = STRIDES[scale];
    int h = IMG_H / s;
    int w = IMG_W / s;
    float[] v = new float[N * h * w * D];
    int i = 0;
    for (int n = 0; n < N; n++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          v[i++] = (y + 0.5f) * s;
          v[i++] = (x + 0.5f) * s;
          v[i++] = scale;
          v[i++] = n;
        }
      }
    }
    return v;
  }

  private static Shape shapeOf(int scale) {
    int s = STRIDES[scale];
    return Shape.of(N, IMG_H / s, IMG_W / s, D);
  }

  @Test
  void eachWindowSequenceHoldsExactlyTheTokensOfItsImageRegionAtEveryScale() {
    try (Graph g = new Graph(); Session sess = new Session(g)) {
      Ops tf = Ops.create(g);
      List<Operand<TFloat32>> maps = new ArrayList<>();
      List<TFloat32> owned = new ArrayList<>();
      for (int k = 0; k < STRIDES.length; k++) {
        TFloat32 t = Tensors.floats(shapeOf(k), positions(k));
        owned.add(t);
        maps.add(tf.constant(t));
      }
      Operand<TFloat32> grouped = WindowGrouping.group(tf, maps, S);
      // Tokens per window and scale: the region is (32/2) x (48/2) image pixels, one token per s x s.
      int[] perScale = new int[STRIDES.length];
      int length = 0;
      for (int k = 0; k < STRIDES.length; k++) {
        perScale[k] = (IMG_H / S / STRIDES[k]) * (IMG_W / S / STRIDES[k]);
        length += perScale[k];
      }
      assertEquals(Shape.of(N * S * S, length, D), grouped.shape(), "static grouped shape");
      try (Result r = sess.runner().fetch(grouped).run()) {
        float[] v = Tensors.toFloats(r.get(0));
        for (int n = 0; n < N; n++) {
          for (int row = 0; row < S; row++) {
            for (int col = 0; col < S; col++) {
              int seq = n * S * S + row * S + col;
              float y0 = row * IMG_H / (float) S;
              float x0 = col * IMG_W / (float) S;
              int t = 0;
              for (int k = 0; k < STRIDES.length; k++) {
                Set<String> seen = new HashSet<>();
                for (int j = 0; j < perScale[k]; j++, t++) {
                  int at = (seq * length + t) * D;
                  float y = v[at];
                  float x = v[at + 1];
                  String where = "sample " + n + " window (" + row + "," + col + ") token " + t;
                  assertEquals(k, v[at + 2], 0f, where + ": scales follow one another, finest first");
                  assertEquals(n, v[at + 3], 0f, where + ": sample");
                  assertTrue(y > y0 && y < y0 + IMG_H / (float) S, where + ": y centre " + y);
                  assertTrue(x > x0 && x < x0 + IMG_W / (float) S, where + ": x centre " + x);
                  seen.add(y + "," + x);
                }
                // All inside the region and pairwise distinct, as many as the region has pixels:
                // the window holds exactly the region's tokens of this scale.
                assertEquals(perScale[k], seen.size(), "distinct tokens of scale " + k);
              }
            }
          }
        }
      }
      owned.forEach(TFloat32::close);
    }
  }

  @Test
  void ungroupInvertsGroupWithUnknownBatch() {
    Random random = new Random(5);
    try (Graph g = new Graph(); Session sess = new Session(g)) {
      Ops tf = Ops.create(g);
      List<Operand<TFloat32>> maps = new ArrayList<>();
      List<long[]> sizes = new ArrayList<>();
      List<float[]> values = new ArrayList<>();
      Session.Runner runner = sess.runner();
      List<TFloat32> owned = new ArrayList<>();
      for (int k = 0; k < STRIDES.length; k++) {
        Shape shape = shapeOf(k);
        Operand<TFloat32> p = tf.placeholder(TFloat32.class,
            Placeholder.shape(Shape.of(-1, shape.get(1), shape.get(2), 3)));
        float[] x = new float[(int) (N * shape.get(1) * shape.get(2) * 3)];
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) random.nextGaussian();
        }
        TFloat32 t = Tensors.floats(Shape.of(N, shape.get(1), shape.get(2), 3), x);
        owned.add(t);
        runner.feed(p, t);
        maps.add(p);
        sizes.add(new long[] {shape.get(1), shape.get(2)});
        values.add(x);
      }
      List<Operand<TFloat32>> back =
          WindowGrouping.ungroup(tf, WindowGrouping.group(tf, maps, S), sizes, S);
      back.forEach(runner::fetch);
      try (Result r = runner.run()) {
        for (int k = 0; k < STRIDES.length; k++) {
          assertArrayEquals(values.get(k), Tensors.toFloats(r.get(k)), 0f, "scale " + k + " restored");
        }
      }
      owned.forEach(TFloat32::close);
    }
  }

  @Test
  void rejectsAScaleNotDivisibleByTheWindowCount() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> fine = tf.zeros(tf.constant(new int[] {1, 8, 8, 2}), TFloat32.class);
      Operand<TFloat32> odd = tf.zeros(tf.constant(new int[] {1, 6, 4, 2}), TFloat32.class);
      ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
          () -> WindowGrouping.group(tf, List.of(fine, odd), 4));
      assertTrue(e.getMessage().contains("scale 1") && e.getMessage().contains("S = 4")
          && e.getMessage().contains("6 x 4"), e.getMessage());
    }
  }
}
