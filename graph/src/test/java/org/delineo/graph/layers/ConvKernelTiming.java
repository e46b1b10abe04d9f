package org.delineo.graph.layers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.delineo.graph.gradients.CustomGradients;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Manual timing harness (not a test): one convolution layer's forward, input gradient and filter
 * gradient, each built several ways, timed back to back. Usage:
 * {@code ConvKernelTiming N H W CI CO K [repeats]}.
 */
public final class ConvKernelTiming {
  private ConvKernelTiming() {}

  public static void main(String[] args) {
    if (args[0].equals("3d")) {
      main3d(Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    long n = Long.parseLong(args[0]);
    long h = Long.parseLong(args[1]);
    long w = Long.parseLong(args[2]);
    long ci = Long.parseLong(args[3]);
    long co = Long.parseLong(args[4]);
    long k = Long.parseLong(args[5]);
    int repeats = args.length > 6 ? Integer.parseInt(args[6]) : 5;
    List<String> variants = new ArrayList<>(List.of("conv2d", "generic", "eigen-dx", "eigen-all"));
    if (k == 1) {
      variants.add("matmul");
    }
    double flops = 2.0 * n * h * w * ci * co * k * k * 3;
    for (String v : variants) {
      double ms = time(v, n, h, w, ci, co, k, repeats);
      System.out.printf("%-9s N%d %dx%d %d->%d k%d  %8.2f ms  %6.1f GFLOP/s%n", v, n, h, w, ci, co,
          k, ms, flops / ms / 1e6);
    }
  }

  private static void main3d(String[] a) {
    long n = Long.parseLong(a[0]);
    long d = Long.parseLong(a[1]);
    long ci = Long.parseLong(a[2]);
    long co = Long.parseLong(a[3]);
    long k = Long.parseLong(a[4]);
    double flops = 2.0 * n * d * d * d * ci * co * k * k * k;
    for (String v : List.of("bwd-input", "fwd-flipped", "generic-flipped", "bwd-filter", "forward",
        "valid-bwd-input", "valid-fwd-flipped", "forward-ncdhw", "filter-as-fwd")) {
      double ms = time3d(v, n, d, ci, co, k, 7);
      System.out.printf("%-15s N%d %d^3 %d->%d k%d  %8.2f ms  %6.1f GFLOP/s%n", v, n, d, ci, co, k, ms,
          flops / ms / 1e6);
    }
  }

  private static double time3d(String v, long n, long d, long ci, long co, long k, int repeats) {
    CustomGradients.install();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.variable(tf.random.randomStandardNormal(
          tf.constant(new long[] {n, d, d, d, ci}), TFloat32.class));
      Operand<TFloat32> kernel = tf.variable(tf.random.randomStandardNormal(
          tf.constant(new long[] {k, k, k, ci, co}), TFloat32.class));
      Operand<TFloat32> dy = tf.variable(tf.random.randomStandardNormal(
          tf.constant(new long[] {n, d, d, d, co}), TFloat32.class));
      List<Long> ones = List.of(1L, 1L, 1L, 1L, 1L);
      Operand<TFloat32> flipped = tf.reverse(
          tf.linalg.transpose(kernel, tf.constant(new int[] {0, 1, 2, 4, 3})),
          tf.constant(new int[] {0, 1, 2}));
      Operand<TFloat32> out = switch (v) {
        case "bwd-input" -> tf.nn.conv3dBackpropInput(
            tf.constant(new int[] {(int) n, (int) d, (int) d, (int) d, (int) ci}), kernel, dy, ones, "SAME");
        case "fwd-flipped" -> tf.nn.conv3d(dy, flipped, ones, "SAME");
        // RFNet's layers: reflect-padded input, VALID convolution; its input gradient is d + k - 1 wide.
        case "valid-bwd-input" -> tf.nn.conv3dBackpropInput(tf.constant(new int[] {(int) n,
            (int) (d + k - 1), (int) (d + k - 1), (int) (d + k - 1), (int) ci}), kernel, dy, ones, "VALID");
        case "valid-fwd-flipped" -> {
          long p = k - 1;
          Operand<TFloat32> padded = tf.pad(dy, tf.constant(new long[][] {{0, 0}, {p, p}, {p, p}, {p, p}, {0, 0}}),
              tf.constant(0f));
          yield tf.nn.conv3d(padded, flipped, ones, "VALID");
        }
        case "generic-flipped" -> tf.scope().opBuilder("Conv", "Conv").addInput(dy.asOutput())
            .addInput(flipped.asOutput()).setAttr("strides", new long[] {1, 1, 1, 1, 1})
            .setAttr("padding", "SAME").setAttr("dilations", new long[] {1, 1, 1, 1, 1})
            .build().<TFloat32>output(0);
        case "bwd-filter" -> tf.nn.conv3dBackpropFilter(x,
            tf.constant(new int[] {(int) k, (int) k, (int) k, (int) ci, (int) co}), dy, ones, "SAME");
        case "forward" -> tf.nn.conv3d(x, kernel, ones, "SAME");
        case "forward-ncdhw" -> tf.linalg.transpose(tf.nn.conv3d(
            tf.linalg.transpose(x, tf.constant(new int[] {0, 4, 1, 2, 3})), kernel, ones, "SAME",
            org.tensorflow.op.nn.Conv3d.dataFormat("NCDHW")), tf.constant(new int[] {0, 2, 3, 4, 1}));
        case "filter-as-fwd" -> {
          long p = (k - 1) / 2;
          Operand<TFloat32> xp = tf.pad(x, tf.constant(new long[][] {{0, 0}, {p, p}, {p, p}, {p, p}, {0, 0}}),
              tf.constant(0f));
          Operand<TFloat32> c = tf.nn.conv3d(tf.linalg.transpose(xp, tf.constant(new int[] {4, 1, 2, 3, 0})),
              tf.linalg.transpose(dy, tf.constant(new int[] {1, 2, 3, 0, 4})), ones, "VALID");
          yield tf.linalg.transpose(c, tf.constant(new int[] {1, 2, 3, 0, 4}));
        }
        default -> throw new IllegalArgumentException(v);
      };
      return medianMillis(s, tf.reduceSum(out, tf.range(tf.constant(0), tf.rank(out), tf.constant(1))), repeats);
    }
  }

  private static double time(String variant, long n, long h, long w, long ci, long co, long k,
      int repeats) {
    CustomGradients.install();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.variable(tf.random.randomStandardNormal(
          tf.constant(new long[] {n, h, w, ci}), TFloat32.class));
      Operand<TFloat32> kernel = tf.variable(tf.random.randomStandardNormal(
          tf.constant(new long[] {k, k, ci, co}), TFloat32.class));
      Operand<TFloat32> dy = tf.variable(tf.random.randomStandardNormal(
          tf.constant(new long[] {n, h, w, co}), TFloat32.class));
      List<Long> ones = List.of(1L, 1L, 1L, 1L);
      Operand<TFloat32> y;
      Operand<TFloat32> dx;
      Operand<TFloat32> dw;
      Operand<TInt32> xShape = tf.constant(new int[] {(int) n, (int) h, (int) w, (int) ci});
      Operand<TInt32> wShape = tf.constant(new int[] {(int) k, (int) k, (int) ci, (int) co});
      switch (variant) {
        case "conv2d" -> {
          y = tf.nn.conv2d(x, kernel, ones, "SAME");
          dx = tf.nn.conv2dBackpropInput(xShape, kernel, dy, ones, "SAME");
          dw = tf.nn.conv2dBackpropFilter(x, wShape, dy, ones, "SAME");
        }
        case "generic" -> {
          y = GenericConv.conv2d(tf, x, kernel, ones, Padding.SAME);
          dx = tf.nn.conv2dBackpropInput(xShape, kernel, dy, ones, "SAME");
          dw = tf.nn.conv2dBackpropFilter(x, wShape, dy, ones, "SAME");
        }
        case "eigen-dx" -> {
          y = GenericConv.conv2d(tf, x, kernel, ones, Padding.SAME);
          dx = GenericConv.conv2d(tf, dy, turned(tf, kernel), ones, Padding.SAME);
          dw = tf.nn.conv2dBackpropFilter(x, wShape, dy, ones, "SAME");
        }
        case "eigen-all" -> {
          y = GenericConv.conv2d(tf, x, kernel, ones, Padding.SAME);
          dx = GenericConv.conv2d(tf, dy, turned(tf, kernel), ones, Padding.SAME);
          long p = (k - 1) / 2;
          Operand<TFloat32> xp = tf.pad(x, tf.constant(new long[][] {{0, 0}, {p, p}, {p, p}, {0, 0}}), tf.constant(0f));
          Operand<TFloat32> xT = tf.linalg.transpose(xp, tf.constant(new int[] {3, 1, 2, 0}));
          Operand<TFloat32> dyT = tf.linalg.transpose(dy, tf.constant(new int[] {1, 2, 0, 3}));
          Operand<TFloat32> c = GenericConv.conv2d(tf, xT, dyT, ones, Padding.VALID);
          dw = tf.linalg.transpose(c, tf.constant(new int[] {1, 2, 0, 3}));
        }
        case "matmul" -> {
          Operand<TFloat32> x2 = tf.reshape(x, tf.constant(new long[] {-1, ci}));
          Operand<TFloat32> w2 = tf.reshape(kernel, tf.constant(new long[] {ci, co}));
          Operand<TFloat32> dy2 = tf.reshape(dy, tf.constant(new long[] {-1, co}));
          y = tf.linalg.matMul(x2, w2);
          dx = tf.linalg.matMul(dy2, w2, org.tensorflow.op.linalg.MatMul.transposeB(true));
          dw = tf.linalg.matMul(x2, dy2, org.tensorflow.op.linalg.MatMul.transposeA(true));
        }
        default -> throw new IllegalArgumentException(variant);
      }
      Function<Operand<TFloat32>, Operand<TFloat32>> sum =
          t -> tf.reduceSum(t, tf.range(tf.constant(0), tf.rank(t), tf.constant(1)));
      return medianMillis(s, tf.math.addN(List.of(sum.apply(y), sum.apply(dx), sum.apply(dw))), repeats);
    }
  }

  /** The kernel turned by 180° with in and out channels swapped: dx is dy convolved with it. */
  private static Operand<TFloat32> turned(Ops tf, Operand<TFloat32> kernel) {
    return tf.reverse(tf.linalg.transpose(kernel, tf.constant(new int[] {0, 1, 3, 2})), tf.constant(new int[] {0, 1}));
  }

  /**
   * {@code y · dy} summed, plus the sum of each gradient of it with respect to {@code wrt}: one
   * scalar whose run computes the forward pass and every backward op.
   */
  static Operand<TFloat32> forwardAndGradients(Graph g, Ops tf, Operand<TFloat32> y, Operand<TFloat32> dy,
      List<Operand<TFloat32>> wrt) {
    Function<Operand<TFloat32>, Operand<TFloat32>> sum =
        t -> tf.reduceSum(t, tf.range(tf.constant(0), tf.rank(t), tf.constant(1)));
    Operand<TFloat32> loss = sum.apply(tf.math.mul(y, dy));
    Output<?>[] grads = g.addGradients(loss.asOutput(), wrt.stream().map(Operand::asOutput).toArray(Output<?>[]::new));
    Operand<TFloat32> total = loss;
    for (Output<?> grad : grads) {
      @SuppressWarnings("unchecked")
      Operand<TFloat32> t = (Operand<TFloat32>) grad;
      total = tf.math.add(total, sum.apply(t));
    }
    return total;
  }

  /** Initialises the session, runs {@code total} twice unmeasured, then the median of {@code repeats} runs. */
  static double medianMillis(Session s, Operand<TFloat32> total, int repeats) {
    s.initialize();
    double[] ms = new double[repeats];
    for (int r = -2; r < repeats; r++) {
      long t0 = System.nanoTime();
      try (Result res = s.runner().fetch(total).run()) {
        if (r >= 0) {
          ms[r] = (System.nanoTime() - t0) / 1e6;
        }
      }
    }
    Arrays.sort(ms);
    return ms[repeats / 2];
  }
}
