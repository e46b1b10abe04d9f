package org.delineo.graph.gradients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Random;
import org.delineo.graph.testing.GradientCheck;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.TensorFlow;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Each Java gradient against central finite differences (GradientCheck: eps 5e-3, scaled error at
 * most 1e-2).
 */
class CustomGradientsTest {

  @BeforeAll
  static void install() {
    CustomGradients.install();
  }

  @Test
  void conv3dWrtInputAndFilter() {
    checkConv3d(List.of(1L, 1L, 2L, 1L, 1L), "SAME", Shape.of(1, 4, 5, 4, 2), Shape.of(2, 3, 2, 2, 3));
    checkConv3d(List.of(1L, 2L, 2L, 2L, 1L), "VALID", Shape.of(1, 5, 4, 4, 2), Shape.of(3, 2, 2, 2, 2));
  }

  @Test
  void conv3dValidUnitStrideInputGradientIsAConvolution() {
    // RFNet's geometry (reflect-padded input, VALID, stride 1): dx is built as a forward Conv3D of
    // the padded dy; finite differences on uneven kernels and channel counts, 1x1x1 included.
    checkConv3d(List.of(1L, 1L, 1L, 1L, 1L), "VALID", Shape.of(2, 5, 4, 6, 2), Shape.of(3, 2, 3, 2, 3));
    checkConv3d(List.of(1L, 1L, 1L, 1L, 1L), "VALID", Shape.of(1, 3, 3, 3, 3), Shape.of(1, 1, 1, 3, 2));
    assertEquals(List.of("Conv3D", "Conv3DBackpropFilterV2"),
        conv3dGradientOps(List.of(1L, 1L, 1L, 1L, 1L), "VALID"));
    assertEquals(List.of("Conv3DBackpropFilterV2", "Conv3DBackpropInputV2"),
        conv3dGradientOps(List.of(1L, 1L, 1L, 1L, 1L), "SAME"));
  }

  @Test
  void conv3dValidUnitStrideInputGradientMatchesTheBackpropKernel() {
    // Against TF's own Conv3DBackpropInputV2 kernel, an independent formulation of the same dx.
    Shape in = Shape.of(2, 6, 5, 4, 3);
    Shape filter = Shape.of(3, 2, 3, 3, 4);
    Shape out = Shape.of(2, 4, 4, 2, 4);
    List<Long> ones = List.of(1L, 1L, 1L, 1L, 1L);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = placeholder(tf, in);
      Operand<TFloat32> w = placeholder(tf, filter);
      Operand<TFloat32> dy = placeholder(tf, out);
      Operand<TFloat32> y = tf.nn.conv3d(x, w, ones, "VALID");
      Output<?> dx = g.addGradients(tf.reduceSum(tf.math.mul(y, dy), tf.constant(new int[] {0, 1, 2, 3, 4})).asOutput(),
          new Output<?>[] {x.asOutput()})[0];
      Operand<TFloat32> expected = tf.nn.conv3dBackpropInput(
          tf.constant(new int[] {2, 6, 5, 4, 3}), w, dy, ones, "VALID");
      try (TFloat32 xt = TFloat32.tensorOf(in, DataBuffers.of(random(in.size(), 7), false, false));
          TFloat32 wt = TFloat32.tensorOf(filter, DataBuffers.of(random(filter.size(), 8), false, false));
          TFloat32 dyt = TFloat32.tensorOf(out, DataBuffers.of(random(out.size(), 9), false, false));
          Result r = s.runner()
          .feed(x, xt).feed(w, wt).feed(dy, dyt).fetch(dx).fetch(expected).run()) {
        float[] got = new float[(int) in.size()];
        float[] want = new float[(int) in.size()];
        ((TFloat32) r.get(0)).copyTo(DataBuffers.of(got, false, false));
        ((TFloat32) r.get(1)).copyTo(DataBuffers.of(want, false, false));
        for (int i = 0; i < want.length; i++) {
          assertEquals(want[i], got[i], 1e-4, "dx[" + i + "]");
        }
      }
    }
  }

  @Test
  void genericConvWrtInputAndFilter() {
    // Odd and even sizes, stride 1 SAME and VALID, stride 2 VALID and SAME.
    checkGenericConv(new long[] {1, 1, 1, 1}, "SAME", new long[] {1, 1, 1, 1},
        Shape.of(2, 5, 4, 3), Shape.of(3, 3, 3, 2));
    checkGenericConv(new long[] {1, 1, 1, 1}, "VALID", new long[] {1, 1, 1, 1},
        Shape.of(1, 6, 5, 2), Shape.of(3, 2, 2, 3));
    checkGenericConv(new long[] {1, 2, 2, 1}, "VALID", new long[] {1, 1, 1, 1},
        Shape.of(1, 7, 6, 2), Shape.of(3, 3, 2, 2));
    checkGenericConv(new long[] {1, 2, 2, 1}, "SAME", new long[] {1, 1, 1, 1},
        Shape.of(2, 6, 5, 2), Shape.of(3, 3, 2, 2));
  }

  @Test
  void genericConvInputGradientAsConvolutionWrtInputAndFilter() {
    // Stride 1 without dilation: dx is a Conv of dy with the turned kernel, padded by k - 1 - p.
    // Even kernels under SAME (TF pads the odd zero after), 1x1 (both gradients are MatMuls), explicit padding
    // on uneven sides, and explicit padding wider than the kernel (back to the backprop op).
    checkGenericConv(new long[] {1, 1, 1, 1}, "SAME", new long[] {1, 1, 1, 1},
        Shape.of(2, 5, 6, 3), Shape.of(2, 4, 3, 2));
    checkGenericConv(new long[] {1, 1, 1, 1}, "SAME", new long[] {1, 1, 1, 1},
        Shape.of(2, 3, 4, 3), Shape.of(1, 1, 3, 4));
    checkGenericConv(new long[] {1, 1, 1, 1}, "VALID", new long[] {1, 1, 1, 1},
        Shape.of(1, 3, 2, 2), Shape.of(1, 1, 2, 3));
    checkGenericConv(new long[] {1, 1, 1, 1}, "EXPLICIT", new long[] {0, 0, 2, 0, 1, 2, 0, 0},
        new long[] {1, 1, 1, 1}, Shape.of(1, 5, 4, 2), Shape.of(3, 3, 2, 2));
    checkGenericConv(new long[] {1, 1, 1, 1}, "EXPLICIT", new long[] {0, 0, 3, 1, 0, 0, 0, 0},
        new long[] {1, 1, 1, 1}, Shape.of(1, 4, 4, 2), Shape.of(2, 2, 2, 2));
    checkGenericConv(new long[] {1, 1, 1, 1}, "EXPLICIT", new long[] {0, 0, 1, 1, 1, 1, 0, 0},
        new long[] {1, 1, 1, 1}, Shape.of(1, 3, 4, 2), Shape.of(1, 1, 2, 3));
  }

  @Test
  void genericConvGradientAvoidsBackpropOpsWhereAConvolutionOrMatMulDoes() {
    assertEquals(List.of("Conv", "Conv2DBackpropFilter"),
        gradientConvOps(new long[] {1, 1, 1, 1}, "VALID", Shape.of(1, 6, 6, 4), Shape.of(3, 3, 4, 4)));
    assertEquals(List.of("MatMul", "MatMul"),
        gradientConvOps(new long[] {1, 1, 1, 1}, "SAME", Shape.of(1, 6, 6, 4), Shape.of(1, 1, 4, 4)));
    assertEquals(List.of("Conv2DBackpropFilter", "Conv2DBackpropInput"),
        gradientConvOps(new long[] {1, 2, 2, 1}, "SAME", Shape.of(1, 6, 6, 4), Shape.of(3, 3, 4, 4)));
    recordKernelShape = false;
    try {
      assertEquals(List.of("Conv2DBackpropFilter", "Conv2DBackpropInput"),
          gradientConvOps(new long[] {1, 1, 1, 1}, "SAME", Shape.of(1, 6, 6, 4), Shape.of(1, 1, 4, 4)));
      checkGenericConv(new long[] {1, 1, 1, 1}, "SAME", new long[] {1, 1, 1, 1},
          Shape.of(1, 4, 3, 2), Shape.of(3, 3, 2, 2));
    } finally {
      recordKernelShape = true;
    }
  }

  @Test
  void turnedKernelWaitsForTheUpstreamGradient() {
    // Made from the weights alone it could run at the start of the step and live through it.
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = placeholder(tf, Shape.of(1, 6, 6, 4));
      Operand<TFloat32> w = placeholder(tf, Shape.of(3, 3, 4, 2));
      Operand<TFloat32> y = genericConv(g, tf, x, w, new long[] {1, 1, 1, 1}, "SAME", null, new long[] {1, 1, 1, 1}, 1);
      g.addGradients(tf.math.square(y).asOutput(), new Output<?>[] {x.asOutput()});
      List<String> transposes = new ArrayList<>();
      g.operations().forEachRemaining(op -> {
        if (op.type().equals("Transpose")) {
          transposes.add(op.name() + " after " + op.controlInputs().stream().map(GraphOperation::type).toList());
        }
      });
      assertEquals(1, transposes.size(), transposes.toString());
      assertTrue(transposes.get(0).endsWith("after [Mul]"), "the turned kernel waits for dy = 2y: " + transposes);
    }
  }

  @Test
  void genericConvGradientKeepsDilations() {
    // The CPU's own Conv2DBackpropInput/Filter refuse dilations > 1 ("Current CPU implementations
    // do not yet support dilation rates larger than 1."); the oneDNN kernels accept them.
    assumeTrue("1".equals(System.getenv("TF_ENABLE_ONEDNN_OPTS")), "needs oneDNN, as Surefire sets");
    checkGenericConv(new long[] {1, 1, 1, 1}, "SAME", new long[] {1, 2, 2, 1},
        Shape.of(1, 6, 7, 2), Shape.of(3, 3, 2, 2));
    checkGenericConv(new long[] {1, 1, 1, 1}, "VALID", new long[] {1, 3, 3, 1},
        Shape.of(1, 8, 7, 2), Shape.of(3, 2, 2, 2));
  }

  @Test
  void genericConvGradientRefusesGroups() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = placeholder(tf, Shape.of(1, 4, 4, 4));
      Operand<TFloat32> w = placeholder(tf, Shape.of(3, 3, 2, 4));
      Operand<TFloat32> y =
          genericConv(g, tf, x, w, new long[] {1, 1, 1, 1}, "SAME", null, new long[] {1, 1, 1, 1}, 2);
      UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
          () -> g.addGradients(tf.reduceSum(y, tf.constant(new int[] {0, 1, 2, 3})).asOutput(),
              new Output<?>[] {x.asOutput()}));
      assertTrue(e.getMessage().contains("groups 2"), e.getMessage());
    }
  }

  @Test
  void conv3dBackpropInputWrtFilterAndOutBackprop() {
    // The transposed convolution of a stride-2 SAME conv3d from [1,4,4,4,2] to [1,2,2,2,3].
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Shape filterShape = Shape.of(2, 2, 3, 2, 3);
      Shape gradShape = Shape.of(1, 2, 2, 2, 3);
      Operand<TFloat32> filter = placeholder(tf, filterShape);
      Operand<TFloat32> outBackprop = placeholder(tf, gradShape);
      Operand<TFloat32> y =
          tf.nn.conv3dBackpropInput(tf.constant(new int[] {1, 4, 4, 4, 2}), filter, outBackprop,
              List.of(1L, 2L, 2L, 2L, 1L), "SAME");
      GradientCheck.on(g, s)
          .feed(filter, filterShape, random(filterShape.size(), 1))
          .feed(outBackprop, gradShape, random(gradShape.size(), 2))
          .check(y, List.of(filter, outBackprop));
    }
  }

  @Test
  void sparseSoftmaxCrossEntropyLossWrtLogits() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Shape shape = Shape.of(3, 4);
      Operand<TFloat32> logits = placeholder(tf, shape);
      Operand<TFloat32> loss =
          tf.nn.sparseSoftmaxCrossEntropyWithLogits(logits, tf.constant(new int[] {0, 3, 1})).loss();
      GradientCheck.on(g, s).feed(logits, shape, random(shape.size(), 3)).check(loss, List.of(logits));
    }
  }

  @Test
  void topKValuesWrtInput() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      // Distinct values 0.25 apart: a finite-difference step (5e-3) never reorders them.
      Shape shape = Shape.of(2, 2, 5);
      float[] values = new float[20];
      int[] order = new Random(4).ints(0, 1000).distinct().limit(20).toArray();
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) (rank(order, i) * 0.25 - 2.5);
      }
      Operand<TFloat32> x = placeholder(tf, shape);
      Operand<TFloat32> top = tf.nn.topK(x, tf.constant(3), TInt32.class).values();
      GradientCheck.on(g, s).feed(x, shape, values).check(top, List.of(x));
    }
  }

  @Test
  void installTwiceIsHarmless() {
    CustomGradients.install();
    CustomGradients.install();
    assertTrue(CustomGradients.isInstalled());
    // TF refuses a second gradient for an op that has one: proof that install() registered it.
    assertFalse(TensorFlow.registerCustomGradient("Conv3D", (tf, op, grads) -> List.of()));
    assertFalse(TensorFlow.registerCustomGradient("TopKV2", (tf, op, grads) -> List.of()));
    assertFalse(TensorFlow.registerCustomGradient("Conv", (tf, op, grads) -> List.of()));
    checkConv3d(List.of(1L, 1L, 1L, 1L, 1L), "SAME", Shape.of(1, 3, 3, 3, 1), Shape.of(2, 2, 2, 1, 2));
  }

  private static void checkConv3d(List<Long> strides, String padding, Shape inShape, Shape filterShape) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = placeholder(tf, inShape);
      Operand<TFloat32> w = placeholder(tf, filterShape);
      Operand<TFloat32> y = tf.nn.conv3d(x, w, strides, padding);
      GradientCheck.on(g, s)
          .feed(x, inShape, random(inShape.size(), 5))
          .feed(w, filterShape, random(filterShape.size(), 6))
          .check(y, List.of(x, w));
    }
  }

  /** The types of the convolution ops the gradient of one stride-`strides` Conv3D adds, sorted. */
  private static List<String> conv3dGradientOps(List<Long> strides, String padding) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = placeholder(tf, Shape.of(1, 4, 4, 4, 2));
      Operand<TFloat32> w = placeholder(tf, Shape.of(3, 3, 3, 2, 2));
      Operand<TFloat32> y = tf.nn.conv3d(x, w, strides, padding);
      Set<String> before = new HashSet<>();
      g.operations().forEachRemaining(op -> before.add(op.name()));
      g.addGradients(y.asOutput(), new Output<?>[] {x.asOutput(), w.asOutput()});
      List<String> types = new ArrayList<>();
      g.operations().forEachRemaining(op -> {
        if (!before.contains(op.name()) && op.type().startsWith("Conv")) {
          types.add(op.type());
        }
      });
      Collections.sort(types);
      return types;
    }
  }

  /** The types of the convolution and matrix-product ops the gradient of one Conv adds, sorted. */
  private static List<String> gradientConvOps(
      long[] strides, String padding, Shape inShape, Shape filterShape) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = placeholder(tf, inShape);
      Operand<TFloat32> w = placeholder(tf, filterShape);
      Operand<TFloat32> y = genericConv(g, tf, x, w, strides, padding, null, new long[] {1, 1, 1, 1}, 1);
      Set<String> before = new HashSet<>();
      g.operations().forEachRemaining(op -> before.add(op.name()));
      g.addGradients(y.asOutput(), new Output<?>[] {x.asOutput(), w.asOutput()});
      List<String> types = new ArrayList<>();
      g.operations().forEachRemaining(op -> {
        if (!before.contains(op.name()) && (op.type().startsWith("Conv") || op.type().equals("MatMul"))) {
          types.add(op.type());
        }
      });
      Collections.sort(types);
      return types;
    }
  }

  private static void checkGenericConv(
      long[] strides, String padding, long[] dilations, Shape inShape, Shape filterShape) {
    checkGenericConv(strides, padding, null, dilations, inShape, filterShape);
  }

  private static void checkGenericConv(long[] strides, String padding, long[] explicitPaddings,
      long[] dilations, Shape inShape, Shape filterShape) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = placeholder(tf, inShape);
      Operand<TFloat32> w = placeholder(tf, filterShape);
      Operand<TFloat32> y = genericConv(g, tf, x, w, strides, padding, explicitPaddings, dilations, 1);
      GradientCheck.on(g, s)
          .feed(x, inShape, random(inShape.size(), 7))
          .feed(w, filterShape, random(filterShape.size(), 8))
          .check(y, List.of(x, w));
    }
  }

  /** TF's generic Conv op, built raw: the Ops API has no method for it. */
  /** Whether {@link #genericConv} records the kernel shape on the op, as the layers do. */
  private static boolean recordKernelShape = true;

  private static Operand<TFloat32> genericConv(
      Graph g, Ops tf, Operand<TFloat32> x, Operand<TFloat32> w, long[] strides, String padding,
      long[] explicitPaddings, long[] dilations, long groups) {
    var b = g.opBuilder("Conv", "conv", tf.scope())
        .addInput(x.asOutput())
        .addInput(w.asOutput())
        .setAttr("strides", strides)
        .setAttr("padding", padding)
        .setAttr("dilations", dilations)
        .setAttr("groups", groups);
    if (explicitPaddings != null) {
      b.setAttr("explicit_paddings", explicitPaddings);
    }
    if (recordKernelShape) {
      b.setAttr(CustomGradients.KERNEL_SHAPE, w.shape().asArray());
    }
    return b.build().output(0);
  }

  private static int rank(int[] values, int i) {
    int r = 0;
    for (int v : values) {
      if (v < values[i]) {
        r++;
      }
    }
    return r;
  }

  private static Operand<TFloat32> placeholder(Ops tf, Shape shape) {
    return tf.placeholder(TFloat32.class, Placeholder.shape(shape));
  }

  private static float[] random(long size, long seed) {
    Random r = new Random(seed);
    float[] out = new float[(int) size];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (r.nextDouble() * 2 - 1);
    }
    return out;
  }
}
