package org.delineo.serving.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.layers.Conv2d;
import org.delineo.graph.layers.Conv3d;
import org.delineo.serving.ModelBuilder;
import org.delineo.serving.PredictGraph;
import org.delineo.serving.Prediction;
import org.delineo.serving.SavedModelExporter;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Tiny exports for load tests whose answer is known in plain Java: logits = a fixed 1×1
 * convolution ({@link #W}, {@link #B}) of the {@link #C} input channels to {@link #K} classes, on a
 * 2D model of any input size, and on a multi-modal 3D model whose {@code modality_mask} zeroes the
 * channels of missing modalities first.
 */
final class PointwiseExports {
  static final int C = 2;
  static final int K = 3;
  /** The 1×1 kernel [C][K] and bias [K]. */
  static final float[][] W = {{0.5f, -1.0f, 0.25f}, {1.5f, 0.3f, -0.7f}};
  static final float[] B = {0.1f, -0.2f, 0.05f};

  private PointwiseExports() {}

  /** A 2D export with dynamic H and W under {@code dir}; its version directory. */
  static Path dynamic2d(Path dir) throws IOException {
    return export(dir, "dyn2d", PointwiseExports::pointwise2d, 1, 1, C, K);
  }

  /** A multi-modal 3D export (C modalities) with dynamic D, H, W under {@code dir}; its version directory. */
  static Path masked3d(Path dir) throws IOException {
    return export(dir, "masked3d", PointwiseExports::masked3d, 1, 1, 1, C, K);
  }

  /**
   * The plain-Java answer: softmax(x·W + b) per voxel (in double, rounded to float) and its argmax;
   * {@code shape} {@code spatial..., C}.
   */
  static Prediction reference(float[] x, int[] shape) {
    int voxels = x.length / C;
    float[] p = new float[voxels * K];
    int[] labels = new int[voxels];
    for (int v = 0; v < voxels; v++) {
      double[] logits = new double[K];
      double max = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < K; k++) {
        logits[k] = B[k];
        for (int c = 0; c < C; c++) {
          logits[k] += (double) x[v * C + c] * W[c][k];
        }
        max = Math.max(max, logits[k]);
      }
      double sum = 0;
      for (int k = 0; k < K; k++) {
        sum += Math.exp(logits[k] - max);
      }
      for (int k = 0; k < K; k++) {
        p[v * K + k] = (float) (Math.exp(logits[k] - max) / sum);
        if (logits[k] > logits[labels[v]]) {
          labels[v] = k;
        }
      }
    }
    return new Prediction(java.util.Arrays.copyOf(shape, shape.length - 1), K, p, labels);
  }

  private static PredictGraph pointwise2d(GraphContext ctx) {
    Operand<TFloat32> x = ctx.tf().withName("image").placeholder(TFloat32.class,
        Placeholder.shape(Shape.of(-1, -1, -1, C)));
    return new PredictGraph(x, Conv2d.builder("head", K).kernel(1).build().apply(ctx, x));
  }

  private static PredictGraph masked3d(GraphContext ctx) {
    Ops tf = ctx.tf();
    Operand<TFloat32> x = tf.withName("image").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, -1, C)));
    Operand<TInt32> batch = tf.slice(tf.shape(x), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
    Operand<TBool> all = tf.fill(tf.concat(List.of(batch, tf.constant(new int[] {C})), tf.constant(0)),
        tf.constant(true));
    Operand<TBool> mask = tf.withName("modality_mask").placeholderWithDefault(all, Shape.of(-1, C));
    Operand<TFloat32> keep = tf.reshape(tf.dtypes.cast(mask, TFloat32.class), tf.constant(new int[] {-1, 1, 1, 1, C}));
    Operand<TFloat32> logits = Conv3d.builder("head", K).kernel(1).build().apply(ctx, tf.math.mul(x, keep));
    return new PredictGraph(x, logits).withModalityMask(mask);
  }

  /** A checkpoint with the known kernel and bias, exported with {@code builder}. */
  private static Path export(Path dir, String name, ModelBuilder builder, long... kernelShape) throws IOException {
    String prefix = Files.createDirectories(dir.resolve("ckpt-" + name)).resolve("model").toString();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 5);
      builder.build(ctx);
      Ops tf = ctx.tf();
      float[] flat = new float[C * K];
      for (int c = 0; c < C; c++) {
        System.arraycopy(W[c], 0, flat, c * K, K);
      }
      Op setWeight = tf.assign(ref(ctx, "head.weight"), tf.reshape(tf.constant(flat), tf.constant(kernelShape)));
      Op setBias = tf.assign(ref(ctx, "head.bias"), tf.constant(B));
      s.initialize();
      s.runner().addTarget(setWeight).addTarget(setBias).run().close();
      s.save(prefix);
    }
    return new SavedModelExporter(prefix).export(dir.resolve("exports"), name, null, builder);
  }

  @SuppressWarnings("unchecked")
  private static Variable<TFloat32> ref(GraphContext ctx, String name) {
    ModelVariable<?> v = ctx.variables().find(name).orElseThrow();
    return (Variable<TFloat32>) v.ref();
  }
}
