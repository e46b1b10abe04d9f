package org.delineo.graph.models.semsim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.testing.GradientCheck;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** The fusion module alone: output shape, finite-difference gradients, and its errors. */
class SpatialFusionModuleTest {
  private static final int DIM = 4;
  // Three scales of a 16 x 32 image at strides 2, 4, 8 with different channel counts.
  private static final long[][] SIZES = {{8, 16}, {4, 8}, {2, 4}};
  private static final int[] CHANNELS = {3, 5, 6};

  private static List<Operand<TFloat32>> placeholders(GraphContext ctx, int batch) {
    List<Operand<TFloat32>> maps = new ArrayList<>();
    for (int k = 0; k < SIZES.length; k++) {
      maps.add(ctx.tf().placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(batch, SIZES[k][0], SIZES[k][1], CHANNELS[k]))));
    }
    return maps;
  }

  private static float[] uniform(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextDouble() * 2 - 1);
    }
    return v;
  }

  @Test
  void outputIsAtTheFinestScaleWithDimChannels() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      SpatialFusionModule sfm = new SpatialFusionModule("sfm", 3, DIM, 1, 2, 2f);
      Operand<TFloat32> out = sfm.apply(ctx, placeholders(ctx, 2));
      assertEquals(Shape.of(2, 8, 16, DIM), out.shape(), "f~ at the finest fused scale");
      assertEquals(Shape.of(3, 3, 3 * DIM, DIM),
          ctx.variables().find("sfm.fuse.0.weight").orElseThrow().shape(),
          "3x3 fusion conv over the concatenated scales");
    }
  }

  @Test
  void gradientsMatchFiniteDifferencesForInputsAndWeights() {
    // GradientCheck's scaled error max|analytic - numeric| / max(1, max|numeric|) <= 1e-2, eps 5e-3.
    // EVAL: the batch norm uses its running statistics, so the function is the same at every point.
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 3);
      List<Operand<TFloat32>> maps = placeholders(ctx, 1);
      SpatialFusionModule sfm = new SpatialFusionModule("sfm", 3, DIM, 2, 2, 2f);
      Operand<TFloat32> out = sfm.apply(ctx, maps);
      s.initialize();
      GradientCheck check = GradientCheck.on(g, s);
      for (int k = 0; k < maps.size(); k++) {
        int n = (int) (SIZES[k][0] * SIZES[k][1] * CHANNELS[k]);
        check.feed(maps.get(k), maps.get(k).shape(), uniform(n, 10 + k));
      }
      // The finest and the coarsest (resized) input, and one weight per stage of the module.
      List<Operand<TFloat32>> wrt = new ArrayList<>(List.of(maps.get(0), maps.get(2)));
      for (String name : List.of("sfm.proj.2.weight", "sfm.block.attn.q.weight",
          "sfm.block.mlp.fc1.weight")) {
        wrt.add(read(ctx, name));
      }
      // A batch-norm shift of 20 keeps every pre-ReLU value positive: the checked function is then
      // smooth, and a finite difference cannot straddle a ReLU kink (which alone gave a 4e-2 error).
      Operand<TFloat32> shift = read(ctx, "sfm.fuse.1.bias");
      float[] twenty = new float[DIM];
      Arrays.fill(twenty, 20f);
      check.feed(shift, shift.shape(), twenty);
      wrt.add(shift);
      double worst = check.tolerance(GradientCheck.DEFAULT_TOLERANCE).check(out, wrt);
      assertTrue(worst <= GradientCheck.DEFAULT_TOLERANCE, "scaled error " + worst);
    }
  }

  @Test
  void errorsNameExpectedAndFound() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      List<Operand<TFloat32>> maps = placeholders(ctx, 1);
      ShapeMismatchException notDivisible = assertThrows(ShapeMismatchException.class,
          () -> new SpatialFusionModule("sfm", 3, DIM, 2, 2, 2f).apply(ctx, List.of(
              maps.get(0), maps.get(1), ctx.tf().placeholder(TFloat32.class,
                  Placeholder.shape(Shape.of(1, 2, 5, 6))))));
      assertTrue(notDivisible.getMessage().contains("sfm") && notDivisible.getMessage().contains("scale 2")
          && notDivisible.getMessage().contains("2 x 5"), notDivisible.getMessage());
      DelineoException count = assertThrows(DelineoException.class,
          () -> new SpatialFusionModule("sfm", 3, DIM, 2, 2, 2f).apply(ctx, maps.subList(0, 2)));
      assertTrue(count.getMessage().contains("expected 3 scales, found 2"), count.getMessage());
    }
    assertThrows(DelineoException.class, () -> new SpatialFusionModule("sfm", 3, 6, 2, 4, 2f));
    assertThrows(DelineoException.class, () -> new SpatialFusionModule("sfm", 3, 4, 0, 2, 2f));
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> read(GraphContext ctx, String name) {
    return (Operand<TFloat32>) ctx.variables().find(name).orElseThrow().value();
  }
}
