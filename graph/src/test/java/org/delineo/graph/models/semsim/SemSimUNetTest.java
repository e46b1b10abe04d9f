package org.delineo.graph.models.semsim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.Tensors;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

class SemSimUNetTest {
  private static final int[] TINY = {4, 8, 16, 32, 64};

  private static SemSimUNet.Builder tiny() {
    return SemSimUNet.builder(3).channels(TINY).dim(8).heads(2).windows(2).mlpRatio(2f);
  }

  private static Operand<TFloat32> image(GraphContext ctx, long n, long size) {
    return ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(n, size, size, 1)));
  }

  private static List<ModelVariable<?>> sfmVariables(GraphContext ctx) {
    return ctx.variables().all().stream().filter(v -> v.name().startsWith("sfm."))
        .collect(Collectors.toList());
  }

  // ---- parameter count, by hand (PyTorch numel per tensor; BN running statistics excluded) ----

  private static long linear(long in, long out) {
    return in * out + out;
  }

  /** SFM with D channels over stages of the given channels, heads-independent. */
  private static long handSfmCount(long d, long[] stageChannels, long mlpHidden) {
    long projections = 0;
    for (long c : stageChannels) {
      projections += c * d + d; // 1x1 conv with bias
    }
    long norms = 2 * (2 * d); // two LayerNorms, weight + bias
    long attention = 4 * linear(d, d); // q, k, v, proj
    long mlp = linear(d, mlpHidden) + linear(mlpHidden, d);
    long fuse = 3 * 3 * (stageChannels.length * d) * d + 2 * d; // 3x3 conv without bias + BN
    return projections + norms + attention + mlp + fuse;
  }

  @Test
  void defaultSfmParameterCountMatchesTheHandFormula() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 7);
      SemSimUNet net = SemSimUNet.builder(4).build();
      net.apply(ctx, ModelInputs.of(image(ctx, -1, 224)));
      long sfm = sfmVariables(ctx).stream().filter(ModelVariable::trainable)
          .mapToLong(ModelVariable::size).sum();
      long total = ctx.variables().trainableParameterCount();
      long hand = handSfmCount(128, new long[] {32, 64, 128}, 512);
      // On paper: projections 29,056 + norms 512 + attention 66,048 + MLP 131,712
      // + fusion 442,368 + 256 = 669,952 (the paper reports about 0.79 M).
      assertEquals(669_952L, hand, "hand formula evaluated on paper");
      assertEquals(hand, sfm, "SFM parameters, D 128, S 4, 4 heads, MLP ratio 4");
      // UniMatch UNet for 1 input channel and 4 classes: 1,813,764 (UNet2dTest's hand count).
      assertEquals(1_813_764L + 669_952L, total, "UNet + SFM");
    }
  }

  // ---- graph behaviour ----

  @Test
  void trainBuildsSfmFeatureAtHalfResolutionAndGradientsReachEverySfmVariable() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 7);
      Ops tf = ctx.tf();
      Operand<TFloat32> x = image(ctx, 2, 32);
      SemSimUNet net = tiny().build();
      ModelOutputs out = net.apply(ctx, ModelInputs.of(x));
      Operand<TFloat32> f = out.features().get(SemSimUNet.FEATURE);
      assertEquals(Shape.of(2, 16, 16, 8), f.shape(), "f~ [N, H/2, W/2, D]");
      assertEquals(Shape.of(2, 32, 32, 3), out.logits().shape(), "logits at input size");

      // L = sum(f * R) with a fixed random R: every SFM weight moves L (no BN-invariant loss).
      float[] weights = new float[2 * 16 * 16 * 8];
      Random r = new Random(11);
      for (int i = 0; i < weights.length; i++) {
        weights[i] = (float) r.nextGaussian();
      }
      List<ModelVariable<?>> sfmVars = sfmVariables(ctx).stream().filter(ModelVariable::trainable)
          .collect(Collectors.toList());
      assertEquals(3 * 2 + 4 + 8 + 4 + 1 + 2, sfmVars.size(),
          "proj x3 (w, b), 2 LNs, q/k/v/proj, fc1/fc2, fuse conv, fuse BN (w, b)");
      try (TFloat32 rw = Tensors.floats(Shape.of(2, 16, 16, 8), weights)) {
        Operand<TFloat32> loss = tf.reduceSum(tf.math.mul(f, tf.constant(rw)),
            tf.constant(new int[] {0, 1, 2, 3}));
        Output<?>[] wrt = sfmVars.stream().map(v -> v.value().asOutput()).toArray(Output<?>[]::new);
        Output<?>[] grads = g.addGradients(loss.asOutput(), wrt);
        s.initialize();
        float[] in = new float[2 * 32 * 32];
        for (int i = 0; i < in.length; i++) {
          in[i] = (float) r.nextGaussian();
        }
        try (TFloat32 xin = Tensors.floats(Shape.of(2, 32, 32, 1), in)) {
          Session.Runner runner = s.runner().feed(x, xin);
          for (int i = 0; i < grads.length; i++) {
            assertFalse(grads[i] == null || grads[i].isClosed(),
                "no gradient reaches " + sfmVars.get(i).name());
            runner.fetch(grads[i]);
          }
          try (Result res = runner.run()) {
            for (int i = 0; i < grads.length; i++) {
              double norm = 0;
              for (float v : Tensors.toFloats(res.get(i))) {
                assertTrue(Float.isFinite(v), "finite gradient of " + sfmVars.get(i).name());
                norm += v * v;
              }
              assertTrue(norm > 0, "non-zero gradient of " + sfmVars.get(i).name());
            }
          }
        }
      }
    }
  }

  @Test
  void evalAfterTrainCreatesNoVariableAndItsLogitsDoNotReachTheSfm() {
    try (Graph g = new Graph()) {
      GraphContext train = GraphContext.create(g, Mode.TRAIN, 7);
      SemSimUNet net = tiny().build();
      Operand<TFloat32> x = image(train, 2, 32);
      ModelOutputs trained = net.apply(train, ModelInputs.of(x));
      int variables = train.variables().all().size();
      Set<String> sfmOps = new HashSet<>();
      for (ModelVariable<?> v : sfmVariables(train)) {
        sfmOps.add(v.ref().op().name());
        sfmOps.add(v.value().op().name());
      }
      assertFalse(sfmOps.isEmpty(), "TRAIN built the SFM");
      // Positive control: the walk does find the SFM from the TRAIN feature.
      assertTrue(reaches(trained.features().get(SemSimUNet.FEATURE), sfmOps), "walk finds SFM");

      for (Mode mode : List.of(Mode.EVAL, Mode.PREDICT)) {
        ModelOutputs evaluated = net.apply(train.withMode(mode), ModelInputs.of(x));
        assertEquals(variables, train.variables().all().size(), mode + " creates no variable");
        assertFalse(evaluated.features().containsKey(SemSimUNet.FEATURE), mode + " has no f~");
        assertFalse(reaches(evaluated.logits(), sfmOps), mode + " logits depend on no SFM op");
      }
    }
  }

  @Test
  void evalOnlyGraphHasNoSfmVariable() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 7);
      tiny().build().apply(ctx, ModelInputs.of(image(ctx, -1, 32)));
      assertTrue(sfmVariables(ctx).isEmpty(), "EVAL builds encoder + decoder only");
    }
  }

  @Test
  void disabledSfmGivesTheProjectedFinestStage() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 7);
      ModelOutputs out = tiny().fusionEnabled(false).build().apply(ctx, ModelInputs.of(image(ctx, 2, 32)));
      assertEquals(Shape.of(2, 16, 16, 8), out.features().get(SemSimUNet.FEATURE).shape(),
          "projection of encoder stage 1 to D");
      assertEquals(List.of("sfm.proj.0.weight", "sfm.proj.0.bias"),
          sfmVariables(ctx).stream().map(ModelVariable::name).collect(Collectors.toList()));
      assertEquals(Shape.of(1, 1, 8, 8), ctx.variables().find("sfm.proj.0.weight").orElseThrow().shape(),
          "1x1 conv from stage 1's 8 channels");
    }
  }

  @Test
  void rejectsStagesNotDivisibleByWindowsAndBadStages() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 7);
      // 48: UNet-divisible by 16, but stage 3 is 6 x 6, not divisible by 4 windows.
      ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
          () -> tiny().windows(4).build().apply(ctx, ModelInputs.of(image(ctx, 1, 48))));
      assertTrue(e.getMessage().contains("S = 4") && e.getMessage().contains("6 x 6"), e.getMessage());
    }
    assertThrows(DelineoException.class, () -> tiny().stages(2, 1).build());
    assertThrows(DelineoException.class, () -> tiny().stages(1, 5).build());
    assertThrows(DelineoException.class, () -> tiny().heads(3).build());
  }

  /** Whether any op in {@code names} is an ancestor (data or control input) of {@code out}. */
  private static boolean reaches(Operand<?> out, Set<String> names) {
    Deque<GraphOperation> todo = new ArrayDeque<>();
    Set<String> seen = new HashSet<>();
    todo.add((GraphOperation) out.op());
    while (!todo.isEmpty()) {
      GraphOperation op = todo.pop();
      if (!seen.add(op.name())) {
        continue;
      }
      if (names.contains(op.name())) {
        return true;
      }
      for (Operand<?> in : op.inputs()) {
        todo.add((GraphOperation) in.op());
      }
      todo.addAll(op.controlInputs());
    }
    return false;
  }
}
