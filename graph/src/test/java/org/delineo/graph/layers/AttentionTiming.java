package org.delineo.graph.layers;

import java.util.List;
import org.delineo.graph.gradients.CustomGradients;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;

/**
 * Manual timing harness (not a test): softmax attention softmax(q·kᵀ)·v over [B, N, D] blocks,
 * forward and the gradients to q, k and v, with the products built several ways. Usage:
 * {@code AttentionTiming B N D [repeats]}.
 */
public final class AttentionTiming {
  private AttentionTiming() {}

  public static void main(String[] args) {
    long b = Long.parseLong(args[0]);
    long n = Long.parseLong(args[1]);
    long d = Long.parseLong(args[2]);
    int repeats = args.length > 3 ? Integer.parseInt(args[3]) : 7;
    double flops = 2.0 * b * n * n * d * 2 * 3;
    for (String v : List.of("v3", "v2", "v3", "v2")) {
      double ms = time(v, b, n, d, repeats);
      System.out.printf("%-4s B%d N%d D%d  %8.2f ms  %6.1f GFLOP/s%n", v, b, n, d, ms, flops / ms / 1e6);
    }
  }

  private static double time(String v, long b, long n, long d, int repeats) {
    CustomGradients.install();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> q = random(tf, b, n, d);
      Operand<TFloat32> k = random(tf, b, n, d);
      Operand<TFloat32> val = random(tf, b, n, d);
      Operand<TFloat32> dy = random(tf, b, n, d);
      Operand<TFloat32> qi = tf.identity(q);
      Operand<TFloat32> ki = tf.identity(k);
      Operand<TFloat32> vi = tf.identity(val);
      Operand<TFloat32> logits = product(tf, v, qi, ki, true);
      Operand<TFloat32> out = product(tf, v, tf.nn.softmax(logits), vi, false);
      Operand<TFloat32> total = ConvKernelTiming.forwardAndGradients(g, tf, out, dy, List.of(qi, ki, vi));
      return ConvKernelTiming.medianMillis(s, total, repeats);
    }
  }

  private static Operand<TFloat32> product(Ops tf, String v, Operand<TFloat32> a, Operand<TFloat32> b, boolean adjY) {
    if (v.equals("v3")) {
      return tf.train.batchMatMul(a, b, TFloat32.class, BatchMatMul.adjY(adjY));
    }
    return tf.scope().opBuilder("BatchMatMulV2", "BatchMatMulV2").addInput(a.asOutput()).addInput(b.asOutput())
        .setAttr("adj_x", false).setAttr("adj_y", adjY).build().<TFloat32>output(0);
  }

  private static Operand<TFloat32> random(Ops tf, long b, long n, long d) {
    return tf.variable(tf.random.randomStandardNormal(tf.constant(new long[] {b, n, d}), TFloat32.class));
  }
}
