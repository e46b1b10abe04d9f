package org.delineo.graph.backbones;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.Tensors;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

class ResNetV1cTest {

  // ---- parameter count by hand (PyTorch numel; BN running statistics are buffers) ----

  /** Deep stem: 3×3 convs in→s/2, s/2→s/2, s/2→s (no bias), each with a BN (weight + bias). */
  private static long stem(long in, long s) {
    long h = s / 2;
    return 9 * in * h + 2 * h + 9 * h * h + 2 * h + 9 * h * s + 2 * s;
  }

  /** Bottleneck in → 4p: 1×1 in→p, 3×3 p→p, 1×1 p→4p, three BNs; projection 1×1 in→4p + BN. */
  private static long bottleneck(long in, long p, boolean projection) {
    long main = in * p + 2 * p + 9 * p * p + 2 * p + p * 4 * p + 2 * 4 * p;
    return main + (projection ? in * 4 * p + 2 * 4 * p : 0);
  }

  /** A stage: the first block projects (stride or width change), the others are identity blocks. */
  private static long stage(long in, long p, int blocks) {
    return bottleneck(in, p, true) + (blocks - 1) * bottleneck(4 * p, p, false);
  }

  private static long builtCount(ResNetV1c net, int channels, String under) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.PREDICT, 1);
      Operand<TFloat32> x = ctx.tf().placeholder(
          TFloat32.class, Placeholder.shape(Shape.of(-1, 64, 64, channels)));
      net.apply(ctx, x);
      return ctx.variables().trainable().stream()
          .filter(v -> v.name().startsWith(under))
          .mapToLong(ModelVariable::size)
          .sum();
    }
  }

  @Test
  void resNet50ParameterCountMatchesReferenceTableAndHandFormula() {
    long[] stages = {stage(64, 64, 3), stage(256, 128, 4), stage(512, 256, 6), stage(1024, 512, 3)};
    // torchvision resnet50 layer1..layer4 sizes (the V1c stages are identical; only the stem differs).
    assertArrayEquals(new long[] {215_808, 1_219_584, 7_098_368, 14_964_736}, stages,
        "hand per-stage counts");
    assertEquals(28_768, stem(3, 64), "hand deep-stem count");
    long hand = stem(3, 64) + stages[0] + stages[1] + stages[2] + stages[3];
    // reference-methods.md §0: ResNetV1c-50 backbone of DeepLabV3+/PSPNet R50-D8 = 23,527,264.
    assertEquals(23_527_264L, hand, "hand formula vs reference table");

    ResNetV1c net = new ResNetV1c("backbone");
    assertEquals(23_527_264L, builtCount(net, 3, "backbone."), "built ResNetV1c-50 trainable parameters");
    assertEquals(stem(3, 64), builtCount(net, 3, "backbone.stem."), "built stem");
    for (int i = 0; i < 4; i++) {
      assertEquals(stages[i], builtCount(net, 3, "backbone.layer" + (i + 1) + "."),
          "built layer" + (i + 1));
    }
  }

  @Test
  void resNet101AndTinyVariantMatchTheHandFormula() {
    long r101 = stem(3, 64) + stage(64, 64, 3) + stage(256, 128, 4) + stage(512, 256, 23)
        + stage(1024, 512, 3);
    assertEquals(r101, builtCount(ResNetV1c.builder("bb").depth(101).build(), 3, "bb."),
        "ResNetV1c-101 trainable parameters");

    ResNetV1c tiny = ResNetV1c.builder("bb").stageBlocks(1, 1, 1, 1).stemChannels(16)
        .baseChannels(8).build();
    long tinyHand = stem(3, 16) + stage(16, 8, 1) + stage(32, 16, 1) + stage(64, 32, 1)
        + stage(128, 64, 1);
    assertEquals(tinyHand, builtCount(tiny, 3, "bb."), "tiny variant trainable parameters");
  }

  @Test
  void variablesCarryMmsegStateDictNamesAndHwioShapes() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.PREDICT, 1);
      Operand<TFloat32> x =
          ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 64, 64, 3)));
      new ResNetV1c("backbone").apply(ctx, x);
      Object[][] expected = {
        {"backbone.stem.0.weight", Shape.of(3, 3, 3, 32)},
        {"backbone.stem.1.running_var", Shape.of(32)},
        {"backbone.stem.3.weight", Shape.of(3, 3, 32, 32)},
        {"backbone.stem.6.weight", Shape.of(3, 3, 32, 64)},
        {"backbone.stem.7.bias", Shape.of(64)},
        {"backbone.layer1.0.conv1.weight", Shape.of(1, 1, 64, 64)},
        {"backbone.layer1.0.downsample.0.weight", Shape.of(1, 1, 64, 256)},
        {"backbone.layer1.0.downsample.1.weight", Shape.of(256)},
        {"backbone.layer2.0.conv2.weight", Shape.of(3, 3, 128, 128)},
        {"backbone.layer3.5.conv3.weight", Shape.of(1, 1, 256, 1024)},
        {"backbone.layer4.2.bn3.running_mean", Shape.of(2048)},
        {"backbone.layer4.0.downsample.0.weight", Shape.of(1, 1, 1024, 2048)},
      };
      for (Object[] e : expected) {
        ModelVariable<?> v = ctx.variables().find((String) e[0])
            .orElseThrow(() -> new AssertionError("missing variable " + e[0]));
        assertEquals(e[1], v.shape(), "shape of " + e[0]);
      }
      assertTrue(ctx.variables().find("backbone.stem.0.bias").isEmpty(), "stem convs have no bias");
      assertTrue(ctx.variables().find("backbone.layer1.1.downsample.0.weight").isEmpty(),
          "only the first block of a stage projects");
      // 3 stem convs + 16 blocks × 3 + 4 projections = 55 kernels;
      // 3 + 16 × 3 + 4 = 55 BNs with weight, bias, running mean and var.
      assertEquals(55 + 4 * 55, ctx.variables().all().size(), "variables: 55 kernels + 55 BNs × 4");
    }
  }

  @Test
  void contractDilationHalvesTheFirstBlockRateOfDilatedStages() {
    ResNetV1c net = new ResNetV1c("backbone");
    int[][] expected = {{1, 1, 1}, {1, 1, 1, 1}, {1, 2, 2, 2, 2, 2}, {2, 4, 4}}; // mmseg ResLayer
    for (int s = 0; s < 4; s++) {
      for (int b = 0; b < expected[s].length; b++) {
        assertEquals(expected[s][b], net.blockDilation(s, b), "dilation of layer" + (s + 1) + "." + b);
      }
    }
    ResNetV1c plain = ResNetV1c.builder("b").contractDilation(false).build();
    assertEquals(4, plain.blockDilation(3, 0), "without contraction the first block keeps rate 4");
    assertEquals(8, net.outputStride(), "D8");
    assertEquals(List.of(256, 512, 1024, 2048), net.outChannels(), "c1..c4 channels");
  }

  @Test
  void tinyForwardGivesOutputStride8FeatureMaps() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.PREDICT, 1);
      Operand<TFloat32> x =
          ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, 64, 64, 3)));
      List<Operand<TFloat32>> c = new ResNetV1c("backbone").apply(ctx, x);
      assertEquals(4, c.size(), "four stage outputs");
      long[][] expected = {{1, 16, 16, 256}, {1, 8, 8, 512}, {1, 8, 8, 1024}, {1, 8, 8, 2048}};
      for (int i = 0; i < 4; i++) {
        assertArrayEquals(expected[i], c.get(i).shape().asArray(), "static shape of c" + (i + 1));
      }
      s.initialize();
      try (TFloat32 in = Tensors.floats(Shape.of(1, 64, 64, 3), randomImage(64 * 64 * 3))) {
        Session.Runner runner = s.runner().feed(x, in);
        c.forEach(runner::fetch);
        try (Result r = runner.run()) {
          for (int i = 0; i < 4; i++) {
            assertArrayEquals(expected[i], r.get(i).shape().asArray(), "run-time shape of c" + (i + 1));
            for (float v : Tensors.toFloats(r.get(i))) {
              assertTrue(Float.isFinite(v) && v >= 0f, "c" + (i + 1) + " is a finite ReLU output");
            }
          }
        }
      }
    }
  }

  @Test
  void gradientsOfAScalarOfC4ReachEveryTrainableVariable() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Ops tf = ctx.tf();
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, 32, 32, 3)));
      List<Operand<TFloat32>> c = new ResNetV1c("backbone").apply(ctx, x);
      Operand<TFloat32> c4 = c.get(3);
      assertArrayEquals(new long[] {1, 4, 4, 2048}, c4.shape().asArray(), "c4 at stride 8 of 32");
      Operand<TFloat32> loss = tf.math.mean(tf.math.square(c4), tf.constant(new int[] {0, 1, 2, 3}));
      List<ModelVariable<TFloat32>> trainable = ctx.variables().trainable();
      assertEquals(2 * 55 + 55, trainable.size(), "55 kernels + 55 BN weight/bias pairs");
      Output<?>[] wrt = trainable.stream().map(v -> v.value().asOutput()).toArray(Output<?>[]::new);
      Output<?>[] grads = g.addGradients(loss.asOutput(), wrt);
      s.initialize();
      try (TFloat32 in = Tensors.floats(Shape.of(1, 32, 32, 3), randomImage(32 * 32 * 3))) {
        Session.Runner runner = s.runner().feed(x, in);
        for (int i = 0; i < grads.length; i++) {
          assertFalse(grads[i] == null || grads[i].isClosed(),
              "no gradient path reaches " + trainable.get(i).name());
          runner.fetch(grads[i]);
        }
        try (Result r = runner.run()) {
          for (int i = 0; i < grads.length; i++) {
            double norm = 0;
            for (float v : Tensors.toFloats(r.get(i))) {
              assertTrue(Float.isFinite(v), "finite gradient of " + trainable.get(i).name());
              norm += (double) v * v;
            }
            assertTrue(norm > 0, "non-zero gradient of " + trainable.get(i).name());
          }
        }
      }
    }
  }

  @Test
  void rejectsBadConfigurationsAndInputs() {
    assertThrows(DelineoException.class, () -> ResNetV1c.builder("b").depth(34));
    assertThrows(DelineoException.class, () -> ResNetV1c.builder("b").strides(1, 2, 1).build());
    assertThrows(DelineoException.class,
        () -> ResNetV1c.builder("b").strides(1, 2, 2, 1).dilations(1, 1, 4, 4).build(),
        "a stage cannot both stride and dilate its first block");
    assertThrows(DelineoException.class, () -> ResNetV1c.builder("b").outIndices(2, 1).build());
    assertThrows(DelineoException.class, () -> ResNetV1c.builder("b").outIndices(4).build());
    assertThrows(DelineoException.class, () -> ResNetV1c.builder("b").stemChannels(3).build());
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.PREDICT, 1);
      Operand<TFloat32> noChannels =
          ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, 64, 64, -1)));
      ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
          () -> new ResNetV1c("backbone").apply(ctx, noChannels));
      assertTrue(e.getMessage().contains("backbone"), e.getMessage());
    }
  }

  @Test
  void outIndicesSelectStagesAndSecondApplySharesVariables() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 1);
      Operand<TFloat32> x =
          ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, 32, 32, 3)));
      ResNetV1c net = ResNetV1c.builder("bb").stageBlocks(1, 1, 1, 1).stemChannels(8)
          .baseChannels(4).outIndices(0, 3).build();
      List<Operand<TFloat32>> c = net.apply(ctx, x);
      int count = ctx.variables().all().size();
      net.apply(ctx, x);
      assertEquals(count, ctx.variables().all().size(), "second apply reuses every variable");
      assertEquals(List.of(16, 128), net.outChannels(), "channels of stages 0 and 3");
      assertArrayEquals(new long[] {1, 8, 8, 16}, c.get(0).shape().asArray(), "c1");
      assertArrayEquals(new long[] {1, 4, 4, 128}, c.get(1).shape().asArray(), "c4");
    }
  }

  private static float[] randomImage(int n) {
    Random r = new Random(11);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) r.nextGaussian();
    }
    return a;
  }
}
