package org.delineo.graph.layers;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Manual timing harness (not a test): the gradient of a 1-voxel reflect pad of [N, D, D, D, C],
 * TensorFlow's MirrorPadGrad against folding the borders back with slices and one concat per
 * axis. Usage: {@code ReflectPadGradTiming N D C}.
 */
public final class ReflectPadGradTiming {
  private ReflectPadGradTiming() {}

  public static void main(String[] a) {
    int n = Integer.parseInt(a[0]);
    int d = Integer.parseInt(a[1]);
    int c = Integer.parseInt(a[2]);
    for (String v : List.of("mirror-pad-grad", "concat-fold", "mirror-pad-grad", "concat-fold")) {
      try (Graph g = new Graph(); Session s = new Session(g)) {
        Ops tf = Ops.create(g);
        Operand<TFloat32> dy = tf.variable(tf.random.randomStandardNormal(
            tf.constant(new int[] {n, d + 2, d + 2, d + 2, c}), TFloat32.class));
        Operand<TFloat32> dx;
        if (v.equals("mirror-pad-grad")) {
          dx = tf.scope().opBuilder("MirrorPadGrad", "MirrorPadGrad").addInput(dy.asOutput())
              .addInput(tf.constant(new int[][] {{0, 0}, {1, 1}, {1, 1}, {1, 1}, {0, 0}}).asOutput())
              .setAttr("mode", "REFLECT").build().<TFloat32>output(0);
        } else {
          dx = dy;
          int[] size = {n, d + 2, d + 2, d + 2, c};
          for (int axis = 1; axis <= 3; axis++) {
            dx = fold(tf, dx, size, axis);
            size[axis] -= 2;
          }
        }
        System.out.printf("%-16s N%d %d^3 C%d  %8.2f ms%n", v, n, d, c,
            ConvKernelTiming.medianMillis(s, tf.reduceSum(dx, tf.constant(new int[] {0, 1, 2, 3, 4})), 9));
      }
    }
  }

  /** Along {@code axis} of padded size m = n + 2: [g1, g2 + g0, g3 .. g(m-4), g(m-3) + g(m-1), g(m-2)]. */
  private static Operand<TFloat32> fold(Ops tf, Operand<TFloat32> g, int[] size, int axis) {
    int m = size[axis];
    List<Operand<TFloat32>> parts = new ArrayList<>();
    parts.add(slice(tf, g, size, axis, 1, 1));
    parts.add(tf.math.add(slice(tf, g, size, axis, 2, 1), slice(tf, g, size, axis, 0, 1)));
    parts.add(slice(tf, g, size, axis, 3, m - 6));
    parts.add(tf.math.add(slice(tf, g, size, axis, m - 3, 1), slice(tf, g, size, axis, m - 1, 1)));
    parts.add(slice(tf, g, size, axis, m - 2, 1));
    return tf.concat(parts, tf.constant(axis));
  }

  private static Operand<TFloat32> slice(Ops tf, Operand<TFloat32> g, int[] size, int axis, int from, int len) {
    int[] begin = new int[5];
    int[] extent = size.clone();
    begin[axis] = from;
    extent[axis] = len;
    Operand<TInt32> b = tf.constant(begin);
    return tf.slice(g, b, tf.constant(extent));
  }
}
