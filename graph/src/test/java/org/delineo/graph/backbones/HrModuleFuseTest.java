package org.delineo.graph.backbones;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.Tensors;
import org.delineo.graph.backbones.PlainHrFuse.FeatureMap;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * The HRModule fuse path (issue 18 §0) against {@link PlainHrFuse}, an independent plain-Java
 * transcription of mmseg 1.x: coarser branches are upsampled bilinearly with align_corners=False
 * (not nearest), then resized to the finer branch's size. Branches have no blocks so the module's
 * output is its fuse alone; three branches with 2, 3, 4 channels and random known weights.
 */
class HrModuleFuseTest {
  private static final int[] CHANNELS = {2, 3, 4};

  @Test
  void plainBilinearMatchesPyTorchOnAHandExample() {
    // F.interpolate(tensor([[[[0., 1.]]]]), size=(1, 4), mode='bilinear', align_corners=False)
    // = [0, 0.25, 0.75, 1]: src = (dst + 0.5)/2 − 0.5 = −0.25 (clamped to 0), 0.25, 0.75, 1.25.
    FeatureMap row = new FeatureMap(1, 2, 1, new double[] {0, 1});
    assertArrayEquals(new double[] {0, 0.25, 0.75, 1}, PlainHrFuse.bilinear(row, 1, 4).v(), 1e-12);
  }

  @Test
  void evenSizesFuseAsMmseg() {
    checkFuse(new int[][] {{8, 8}, {4, 4}, {2, 2}}, 11);
  }

  @Test
  void oddSizesFuseAsMmsegWithTheSecondResize() {
    // 5 x 7 → 3 x 4 → 2 x 2 (stride-2 3x3 convs, padding 1); 3 x 4 upsampled ×2 is 6 x 8, resized
    // to 5 x 7; 2 x 2 ×4 is 8 x 8, resized to 5 x 7; 2 x 2 ×2 is 4 x 4, resized to 3 x 4.
    checkFuse(new int[][] {{5, 7}, {3, 4}, {2, 2}}, 12);
  }

  /**
   * Builds the module twice (static and unknown spatial sizes, shared variables), assigns known
   * weights, and compares every fused output with the plain-Java reference.
   */
  private static void checkFuse(int[][] sizes, long seed) {
    Random random = new Random(seed);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.PREDICT, 7);
      Ops tf = ctx.tf();
      HrModule module = new HrModule("m", CHANNELS, 0, true);
      List<Operand<TFloat32>> fixed = new ArrayList<>();
      List<Operand<TFloat32>> open = new ArrayList<>();
      for (int b = 0; b < CHANNELS.length; b++) {
        fixed.add(tf.placeholder(TFloat32.class,
            Placeholder.shape(Shape.of(1, sizes[b][0], sizes[b][1], CHANNELS[b]))));
        open.add(tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, CHANNELS[b]))));
      }
      List<Operand<TFloat32>> staticOut = module.apply(ctx, fixed);
      List<Operand<TFloat32>> dynamicOut = module.apply(ctx, open);
      Map<String, float[]> weights = new HashMap<>();
      List<Op> assigns = new ArrayList<>();
      for (ModelVariable<?> v : ctx.variables().all()) {
        float[] values = values(v.name(), (int) v.size(), random);
        weights.put(v.name(), values);
        @SuppressWarnings("unchecked")
        Variable<TFloat32> ref = (Variable<TFloat32>) v.ref();
        assigns.add(tf.assign(ref,
            tf.reshape(tf.constant(values), tf.constant(v.shape().asArray()))));
      }
      s.initialize();
      Session.Runner init = s.runner();
      assigns.forEach(init::addTarget);
      init.run();

      FeatureMap[] x = new FeatureMap[CHANNELS.length];
      List<Tensor> inputs = new ArrayList<>();
      try {
        Session.Runner runner = s.runner();
        for (int b = 0; b < CHANNELS.length; b++) {
          float[] in = new float[sizes[b][0] * sizes[b][1] * CHANNELS[b]];
          double[] asDouble = new double[in.length];
          for (int e = 0; e < in.length; e++) {
            in[e] = (float) random.nextGaussian();
            asDouble[e] = in[e];
          }
          x[b] = new FeatureMap(sizes[b][0], sizes[b][1], CHANNELS[b], asDouble);
          TFloat32 t = Tensors.floats(Shape.of(1, sizes[b][0], sizes[b][1], CHANNELS[b]), in);
          inputs.add(t);
          runner.feed(fixed.get(b), t).feed(open.get(b), t);
        }
        staticOut.forEach(runner::fetch);
        dynamicOut.forEach(runner::fetch);
        PlainHrFuse plain = new PlainHrFuse("m", weights);
        try (Result r = runner.run()) {
          for (int i = 0; i < CHANNELS.length; i++) {
            FeatureMap want = plain.output(x, i, CHANNELS);
            long[] shape = {1, want.h(), want.w(), want.c()};
            assertArrayEquals(shape, r.get(i).shape().asArray(), "output " + i + " shape");
            assertClose(want.v(), Tensors.toFloats(r.get(i)), "static sizes, output " + i);
            assertClose(want.v(), Tensors.toFloats(r.get(CHANNELS.length + i)),
                "unknown sizes, output " + i);
          }
        }
      } finally {
        inputs.forEach(Tensor::close);
      }
    }
  }

  /** Conv weights N(0, 0.5²); BN scale and variance in [0.5, 1.5); BN shift and mean N(0, 0.1²). */
  private static float[] values(String name, int n, Random random) {
    float[] out = new float[n];
    for (int e = 0; e < n; e++) {
      if (name.endsWith(".running_var") || (name.endsWith(".1.weight"))) {
        out[e] = 0.5f + random.nextFloat();
      } else if (name.endsWith(".bias") || name.endsWith(".running_mean")) {
        out[e] = (float) (0.1 * random.nextGaussian());
      } else {
        out[e] = (float) (0.5 * random.nextGaussian());
      }
    }
    return out;
  }

  private static void assertClose(double[] want, float[] got, String what) {
    assertEquals(want.length, got.length, what + ": element count");
    for (int e = 0; e < want.length; e++) {
      assertEquals(want[e], got[e], 1e-5 * Math.max(1, Math.abs(want[e])), what + ", element " + e);
    }
  }
}
