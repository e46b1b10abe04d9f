package org.delineo.graph.backbones;

import static org.delineo.graph.backbones.MixTransformerTest.assertClose;
import static org.delineo.graph.backbones.MixTransformerTest.randoms;
import static org.delineo.graph.backbones.MixTransformerTest.toMap;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.Tensors;
import org.delineo.graph.testing.GradientCheck;
import org.delineo.graph.testing.MmsegSwinKeys;
import org.delineo.graph.testing.PlainSegFormer.FeatureMap;
import org.delineo.graph.testing.PlainSwin;
import org.delineo.graph.testing.TorchWeights;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * One Swin block (dim 4, two heads) on maps that are not whole windows, against {@link PlainSwin}'s
 * per-query formulation with the same PyTorch-layout weights: regular and shifted windows of side
 * 2, and a map smaller than one window of side 4 (padded, not a smaller window); then its gradients
 * against finite differences.
 */
class SwinBlockTest {
  private static final int DIM = 4;
  private static final int HEADS = 2;
  /** Module path of the block under test; the state-dict keys are relative to it. */
  private static final String NAME = "b";

  /** A block's keys and PyTorch shapes, from a one-stage Swin of width 4 and window {@code window}. */
  private static Map<String, long[]> blockShapes(int window) {
    MmsegSwinKeys.Swin one = new MmsegSwinKeys.Swin(3, DIM, new int[] {1}, new int[] {HEADS}, window, 4, 4);
    String block = "stages.0.blocks.0.";
    Map<String, long[]> out = new LinkedHashMap<>();
    MmsegSwinKeys.backbone(one).forEach((k, v) -> {
      if (k.startsWith(block)) {
        out.put(k.substring(block.length()), v);
      }
    });
    return out;
  }

  /** 3 × 5 map, window 2, shift 1: padded to 4 × 6, six windows, the mask on the last row and column. */
  @Test
  void shiftedBlockEqualsPlainJava() {
    assertBlockEqualsPlain(3, 5, 2, true, 41);
  }

  /** The same map with regular windows: no roll, no mask, the padding only. */
  @Test
  void regularBlockEqualsPlainJava() {
    assertBlockEqualsPlain(3, 5, 2, false, 42);
  }

  /** A 2 × 3 map and window 4 (shift 2): one padded 4 × 4 window; mmseg does not shrink the window. */
  @Test
  void aMapSmallerThanOneWindowIsPadded() {
    assertBlockEqualsPlain(2, 3, 4, true, 43);
  }

  /**
   * Central differences on a 1 × 3 × 5 × 4 input (shifted windows of 2, so the padding, both rolls,
   * the mask and the crop are on the path) w.r.t. the input and every kind of weight, TRAIN mode.
   */
  @Test
  void gradientsMatchFiniteDifferences() {
    Shape shape = Shape.of(1, 3, 5, DIM);
    Map<String, long[]> shapes = blockShapes(2);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 9);
      Operand<TFloat32> in = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(shape));
      Operand<TFloat32> y = block(2, true).apply(ctx, in);
      s.initialize();
      // Random weights (the bias tables start at zero, and a zero table hides an index mistake).
      TorchWeights.assign(ctx, s, NAME + ".", TorchWeights.random(shapes, 44), shapes);
      List<Operand<TFloat32>> wrt = new ArrayList<>();
      wrt.add(in);
      for (String v : List.of("norm1.weight", "attn.w_msa.relative_position_bias_table", "attn.w_msa.qkv.weight",
          "attn.w_msa.qkv.bias", "attn.w_msa.proj.weight", "norm2.bias", "ffn.layers.0.0.weight",
          "ffn.layers.1.weight")) {
        @SuppressWarnings("unchecked")
        Operand<TFloat32> read = (Operand<TFloat32>) ctx.variables().find(NAME + "." + v).orElseThrow().value();
        wrt.add(read);
      }
      GradientCheck.on(g, s).feed(in, shape, randoms((int) shape.size(), 45)).check(y, wrt);
    }
  }

  // ---- helpers ----

  private static SwinBlock block(int window, boolean shifted) {
    return new SwinBlock(NAME, DIM, HEADS, window, shifted, 4, 0f);
  }

  /** The block on a static and on a fully unknown 1 × h × w × 4 input equals the plain forward. */
  private static void assertBlockEqualsPlain(int h, int w, int window, boolean shifted, long seed) {
    Map<String, long[]> shapes = blockShapes(window);
    Map<String, float[]> torch = TorchWeights.random(shapes, seed);
    float[] x = randoms(h * w * DIM, seed + 100);
    Map<String, float[]> named = new LinkedHashMap<>();
    torch.forEach((k, v) -> named.put(NAME + "." + k, v));
    FeatureMap want = new PlainSwin(named).block(toMap(h, w, DIM, x), NAME + ".", HEADS, window,
        shifted ? window / 2 : 0);
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 5);
      Operand<TFloat32> fixed = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, h, w, DIM)));
      Operand<TFloat32> open = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, DIM)));
      SwinBlock block = block(window, shifted);
      Operand<TFloat32> a = block.apply(ctx, fixed);
      Operand<TFloat32> b = block.apply(ctx, open);
      assertEquals(Shape.of(1, h, w, DIM), a.shape(), "static shape kept");
      assertEquals(DIM, b.shape().get(3), "channels kept with unknown sizes");
      s.initialize();
      TorchWeights.assign(ctx, s, NAME + ".", torch, shapes);
      try (TFloat32 t = Tensors.floats(Shape.of(1, h, w, DIM), x);
          Result r = s.runner().feed(fixed, t).feed(open, t).fetch(a).fetch(b).run()) {
        assertClose(want.v(), Tensors.toFloats(r.get(0)), "static sizes");
        assertClose(want.v(), Tensors.toFloats(r.get(1)), "unknown sizes");
      }
    }
  }
}
