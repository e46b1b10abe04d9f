package org.delineo.graph.layers;

import java.util.List;
import org.delineo.graph.gradients.CustomGradients;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Manual timing harness (not a test): a SAME 3×3×3 Conv3D with its input and filter gradients,
 * native against the depth taps folded into the channels of a 2-D convolution. Usage:
 * {@code Conv3dFoldTiming N D CI CO}.
 */
public final class Conv3dFoldTiming {
  private Conv3dFoldTiming() {}

  public static void main(String[] a) {
    long n = Long.parseLong(a[0]);
    long d = Long.parseLong(a[1]);
    long ci = Long.parseLong(a[2]);
    long co = Long.parseLong(a[3]);
    double flops = 2.0 * n * d * d * d * ci * co * 27 * 3;
    for (String v : List.of("conv3d", "fold-mkl", "fold-eigen", "conv3d", "fold-mkl", "fold-eigen")) {
      double ms = time(v, n, d, ci, co);
      System.out.printf("%-10s N%d %d^3 %d->%d  %8.2f ms  %6.1f GFLOP/s%n", v, n, d, ci, co, ms, flops / ms / 1e6);
    }
  }

  private static double time(String v, long n, long d, long ci, long co) {
    CustomGradients.install();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> xv = tf.variable(tf.random.randomStandardNormal(tf.constant(new long[] {n, d, d, d, ci}), TFloat32.class));
      Operand<TFloat32> wv = tf.variable(tf.random.randomStandardNormal(tf.constant(new long[] {3, 3, 3, ci, co}), TFloat32.class));
      Operand<TFloat32> dy = tf.variable(tf.random.randomStandardNormal(tf.constant(new long[] {n, d, d, d, co}), TFloat32.class));
      Operand<TFloat32> x = tf.identity(xv);
      Operand<TFloat32> w = tf.identity(wv);
      List<Long> ones5 = List.of(1L, 1L, 1L, 1L, 1L);
      List<Long> ones4 = List.of(1L, 1L, 1L, 1L);
      Operand<TFloat32> y;
      if (v.equals("conv3d")) {
        y = tf.nn.conv3d(x, w, ones5, "SAME");
      } else {
        Operand<TFloat32> xp = tf.pad(x, tf.constant(new int[][] {{0, 0}, {1, 1}, {0, 0}, {0, 0}, {0, 0}}), tf.constant(0f));
        Operand<TFloat32> stacked = tf.concat(List.of(
            tf.slice(xp, tf.constant(new int[] {0, 0, 0, 0, 0}), tf.constant(new int[] {-1, (int) d, -1, -1, -1})),
            tf.slice(xp, tf.constant(new int[] {0, 1, 0, 0, 0}), tf.constant(new int[] {-1, (int) d, -1, -1, -1})),
            tf.slice(xp, tf.constant(new int[] {0, 2, 0, 0, 0}), tf.constant(new int[] {-1, (int) d, -1, -1, -1}))),
            tf.constant(4)); // [N, D, H, W, 3·CI], channel index kd·CI + c
        Operand<TFloat32> flat = tf.reshape(stacked, tf.constant(new long[] {n * d, d, d, 3 * ci}));
        Operand<TFloat32> k2 = tf.reshape(tf.linalg.transpose(w, tf.constant(new int[] {1, 2, 0, 3, 4})),
            tf.constant(new long[] {3, 3, 3 * ci, co}));
        Operand<TFloat32> y2 = v.equals("fold-mkl") ? tf.nn.conv2d(flat, k2, ones4, "SAME")
            : GenericConv.conv2d(tf, flat, k2, ones4, Padding.SAME);
        y = tf.reshape(y2, tf.constant(new long[] {n, d, d, d, co}));
      }
      Operand<TFloat32> total = ConvKernelTiming.forwardAndGradients(g, tf, y, dy, List.of(x, w));
      return ConvKernelTiming.medianMillis(s, total, 7);
    }
  }
}
