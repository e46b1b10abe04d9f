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

class HrNetTest {
  /** mmseg 1.2.2 {@code fcn_hr48} backbone, reference-methods.md §0 table. */
  private static final long REFERENCE_W48_BACKBONE = 65_325_120L;

  // ---- hand count (PyTorch numel), written independently of the code under test ----

  private static long conv(int k, long in, long out) {
    return (long) k * k * in * out; // no bias in HRNet convs
  }

  private static long bn(long c) {
    return 2 * c; // weight + bias; running statistics are buffers
  }

  private static long basic(long c) {
    return 2 * (conv(3, c, c) + bn(c));
  }

  /** One HRModule with 4 basic blocks per branch and all outputs fused. */
  private static long module(long... ch) {
    long n = 0;
    for (long c : ch) {
      n += 4 * basic(c);
    }
    for (int i = 0; i < ch.length; i++) {
      for (int j = 0; j < ch.length; j++) {
        if (j > i) {
          n += conv(1, ch[j], ch[i]) + bn(ch[i]);
        } else if (j < i) {
          n += (i - j - 1) * (conv(3, ch[j], ch[j]) + bn(ch[j])) + conv(3, ch[j], ch[i]) + bn(ch[i]);
        }
      }
    }
    return n;
  }

  /** Per-part counts for width w: stem, layer1, transition1..3, stage2..4. */
  private static long[] handParts(long w) {
    // Stem: 3·3·3·64 + 128 + 3·3·64·64 + 128 = 1,728 + 128 + 36,864 + 128 = 38,848.
    long stem = 38_848;
    // layer1, block 0: 1×1 64→64 (4,096) + bn 128 + 3×3 64→64 (36,864) + bn 128 + 1×1 64→256
    // (16,384) + bn 512 = 58,112, plus downsample 1×1 64→256 (16,384) + bn 512 = 75,008;
    // blocks 1–3: 1×1 256→64 (16,384) + 128 + 36,864 + 128 + 16,384 + 512 = 70,400 each.
    // 75,008 + 3·70,400 = 286,208.
    long layer1 = 286_208;
    long t1 = conv(3, 256, w) + bn(w) + conv(3, 256, 2 * w) + bn(2 * w);
    long t2 = conv(3, 2 * w, 4 * w) + bn(4 * w);
    long t3 = conv(3, 4 * w, 8 * w) + bn(8 * w);
    long s2 = module(w, 2 * w);
    long s3 = 4 * module(w, 2 * w, 4 * w);
    long s4 = 3 * module(w, 2 * w, 4 * w, 8 * w);
    return new long[] {stem, layer1, t1, t2, t3, s2, s3, s4};
  }

  private static final String[] PART_PREFIXES = {
    "stem", "backbone.layer1.", "backbone.transition1.", "backbone.transition2.",
    "backbone.transition3.", "backbone.stage2.", "backbone.stage3.", "backbone.stage4."
  };

  private static long builtPart(GraphContext ctx, String prefix) {
    return ctx.variables().trainable().stream()
        .filter(v -> prefix.equals("stem")
            ? v.name().matches("backbone\\.(conv|bn)[12]\\..*")
            : v.name().startsWith(prefix))
        .mapToLong(ModelVariable::size)
        .sum();
  }

  private static GraphContext buildOnly(Graph g, int width, Shape input) {
    GraphContext ctx = GraphContext.create(g, Mode.PREDICT, 7);
    Operand<TFloat32> x = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(input));
    HrNet.builder("backbone").width(width).build().apply(ctx, x);
    return ctx;
  }

  @Test
  void w48ParameterCountMatchesMmsegReferenceAndHandCountPerStage() {
    long[] hand = handParts(48);
    long handTotal = 0;
    for (long p : hand) {
      handTotal += p;
    }
    assertEquals(REFERENCE_W48_BACKBONE, handTotal, "hand formula vs reference table (exact)");
    try (Graph g = new Graph()) {
      GraphContext ctx = buildOnly(g, 48, Shape.of(-1, 512, 1024, 3));
      for (int i = 0; i < hand.length; i++) {
        assertEquals(hand[i], builtPart(ctx, PART_PREFIXES[i]), PART_PREFIXES[i] + " (exact)");
      }
      assertEquals(REFERENCE_W48_BACKBONE, ctx.variables().trainableParameterCount(),
          "built HRNetV2-W48 backbone vs reference table (exact)");
    }
  }

  @Test
  void otherWidthsMatchTheHandCount() {
    for (int width : new int[] {18, 32}) {
      long handTotal = 0;
      for (long p : handParts(width)) {
        handTotal += p;
      }
      try (Graph g = new Graph()) {
        GraphContext ctx = buildOnly(g, width, Shape.of(-1, 64, 64, 3));
        assertEquals(handTotal, ctx.variables().trainableParameterCount(), "W" + width + " (exact)");
      }
    }
  }

  @Test
  void variablesCarryMmsegStateDictNamesAndShapes() {
    try (Graph g = new Graph()) {
      GraphContext ctx = buildOnly(g, 48, Shape.of(1, 64, 64, 3));
      String[][] expected = {
        {"backbone.conv1.weight", "[3, 3, 3, 64]"},
        {"backbone.bn2.running_var", "[64]"},
        {"backbone.layer1.0.downsample.0.weight", "[1, 1, 64, 256]"},
        {"backbone.layer1.3.conv3.weight", "[1, 1, 64, 256]"},
        {"backbone.transition1.0.0.weight", "[3, 3, 256, 48]"},
        {"backbone.transition1.1.0.0.weight", "[3, 3, 256, 96]"},
        {"backbone.transition2.2.0.0.weight", "[3, 3, 96, 192]"},
        {"backbone.transition3.3.0.1.bias", "[384]"},
        {"backbone.stage2.0.branches.0.0.conv1.weight", "[3, 3, 48, 48]"},
        {"backbone.stage2.0.branches.1.3.bn2.weight", "[96]"},
        {"backbone.stage2.0.fuse_layers.0.1.0.weight", "[1, 1, 96, 48]"},
        {"backbone.stage2.0.fuse_layers.1.0.0.0.weight", "[3, 3, 48, 96]"},
        {"backbone.stage3.3.fuse_layers.2.0.0.0.weight", "[3, 3, 48, 48]"},
        {"backbone.stage3.3.fuse_layers.2.0.1.0.weight", "[3, 3, 48, 192]"},
        {"backbone.stage4.2.fuse_layers.0.3.0.weight", "[1, 1, 384, 48]"},
        {"backbone.stage4.2.fuse_layers.3.0.2.0.weight", "[3, 3, 48, 384]"},
        {"backbone.stage4.2.fuse_layers.3.2.0.1.running_mean", "[384]"},
      };
      for (String[] e : expected) {
        ModelVariable<?> v = ctx.variables().find(e[0]).orElseThrow(
            () -> new AssertionError("missing variable " + e[0]));
        assertEquals(e[1], v.shape().toString(), e[0]);
      }
      assertTrue(ctx.variables().find("backbone.stage2.0.fuse_layers.0.0.0.weight").isEmpty(),
          "no fuse layer from a branch to itself");
      assertTrue(ctx.variables().find("backbone.transition2.0.0.weight").isEmpty(),
          "unchanged branches have no transition");
    }
  }

  @Test
  void tinyW48ForwardGivesFourBranchesAtStrides4To32() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.PREDICT, 7);
      Operand<TFloat32> x =
          ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, 64, 64, 3)));
      HrNet net = HrNet.builder("backbone").build();
      List<Operand<TFloat32>> out = net.apply(ctx, x);
      long[][] expected = {{1, 16, 16, 48}, {1, 8, 8, 96}, {1, 4, 4, 192}, {1, 2, 2, 384}};
      assertEquals(4, out.size(), "four branches");
      assertArrayEquals(new int[] {48, 96, 192, 384}, net.branchChannels());
      assertEquals(720, net.totalChannels(), "15·48");
      s.initialize();
      try (TFloat32 in = Tensors.floats(Shape.of(1, 64, 64, 3), randoms(64 * 64 * 3, 1))) {
        Session.Runner runner = s.runner().feed(x, in);
        out.forEach(runner::fetch);
        try (Result r = runner.run()) {
          for (int i = 0; i < 4; i++) {
            assertArrayEquals(expected[i], out.get(i).shape().asArray(), "static shape " + i);
            assertArrayEquals(expected[i], r.get(i).shape().asArray(), "run-time shape " + i);
            for (float v : Tensors.toFloats(r.get(i))) {
              assertTrue(Float.isFinite(v) && v >= 0, "branch " + i + " ends in a ReLU");
            }
          }
        }
      }
    }
  }

  @Test
  void gradientsReachEveryTrainableVariableOfW48() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 7);
      Ops tf = ctx.tf();
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, 64, 64, 3)));
      List<Operand<TFloat32>> out = HrNet.builder("backbone").build().apply(ctx, x);
      List<ModelVariable<TFloat32>> trainable = ctx.variables().trainable();
      Output<?>[] grads = g.addGradients(loss(tf, out).asOutput(), outputs(trainable));
      for (int i = 0; i < grads.length; i++) {
        assertFalse(grads[i] == null || grads[i].isClosed(),
            "no gradient path to " + trainable.get(i).name());
      }
    }
  }

  @Test
  void smallVariantHasFiniteNonZeroGradientsEverywhere() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 7);
      Ops tf = ctx.tf();
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(2, 64, 64, 3)));
      List<Operand<TFloat32>> out = small().apply(ctx, x);
      List<ModelVariable<TFloat32>> trainable = ctx.variables().trainable();
      Output<?>[] grads = g.addGradients(loss(tf, out).asOutput(), outputs(trainable));
      s.initialize();
      try (TFloat32 in = Tensors.floats(Shape.of(2, 64, 64, 3), randoms(2 * 64 * 64 * 3, 2))) {
        Session.Runner runner = s.runner().feed(x, in);
        for (Output<?> grad : grads) {
          runner.fetch(grad);
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
  void oddAndUnknownSizesFollowPyTorchRounding() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.PREDICT, 7);
      Ops tf = ctx.tf();
      HrNet net = small();
      // 65 → 33 → 17 (stride 4), then 9, 5, 3: each stride-2 3×3 conv with padding 1 gives
      // floor((n − 1) / 2) + 1; the 2× bilinear upsample of 3 (6) is resized to 5 bilinearly.
      Operand<TFloat32> fixed = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, 65, 65, 3)));
      Operand<TFloat32> open = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, 3)));
      List<Operand<TFloat32>> a = net.apply(ctx, fixed);
      int count = ctx.variables().all().size();
      List<Operand<TFloat32>> b = net.apply(ctx, open);
      assertEquals(count, ctx.variables().all().size(), "second apply reuses every variable");
      s.initialize();
      long[] sizes = {17, 9, 5, 3};
      try (TFloat32 in = Tensors.floats(Shape.of(1, 65, 65, 3), randoms(65 * 65 * 3, 3))) {
        Session.Runner runner = s.runner().feed(fixed, in).feed(open, in);
        a.forEach(runner::fetch);
        b.forEach(runner::fetch);
        try (Result r = runner.run()) {
          for (int i = 0; i < 4; i++) {
            long[] want = {1, sizes[i], sizes[i], 8L << i};
            assertArrayEquals(want, a.get(i).shape().asArray(), "static shape " + i);
            assertArrayEquals(want, r.get(i).shape().asArray(), "static-size run " + i);
            assertArrayEquals(want, r.get(4 + i).shape().asArray(), "unknown-size run " + i);
            // Same computation through other ops: relative tolerance 1e-5 for float rounding.
            float[] stat = Tensors.toFloats(r.get(i));
            float[] dyn = Tensors.toFloats(r.get(4 + i));
            for (int k = 0; k < stat.length; k++) {
              assertEquals(stat[k], dyn[k], 1e-5f * Math.max(1f, Math.abs(stat[k])),
                  "static and dynamic paths agree, branch " + i + " element " + k);
            }
          }
        }
      }
    }
  }

  @Test
  void rejectsNonPositiveSettings() {
    assertThrows(DelineoException.class, () -> HrNet.builder("backbone").width(0).build());
    assertThrows(DelineoException.class, () -> HrNet.builder("backbone").modules(1, 0, 3).build());
  }

  /** Width 8, one block per branch, one module per stage: every kind of layer, tiny. */
  private static HrNet small() {
    return HrNet.builder("backbone").width(8).stemChannels(8).stage1Planes(4).stage1Blocks(2)
        .blocks(1).modules(1, 1, 1).build();
  }

  private static Operand<TFloat32> loss(Ops tf, List<Operand<TFloat32>> out) {
    Operand<TFloat32> total = tf.constant(0f);
    for (Operand<TFloat32> y : out) {
      total = tf.math.add(total, tf.math.mean(tf.math.square(y), tf.constant(new int[] {0, 1, 2, 3})));
    }
    return total;
  }

  private static Output<?>[] outputs(List<ModelVariable<TFloat32>> vars) {
    return vars.stream().map(v -> v.value().asOutput()).toArray(Output<?>[]::new);
  }

  private static float[] randoms(int n, long seed) {
    Random r = new Random(seed);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) r.nextGaussian();
    }
    return out;
  }
}
