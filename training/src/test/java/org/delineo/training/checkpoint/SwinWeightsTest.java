package org.delineo.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.Tensors;
import org.delineo.graph.backbones.SwinTransformer;
import org.delineo.graph.testing.MmsegSwinKeys;
import org.delineo.graph.testing.PlainSegFormer.FeatureMap;
import org.delineo.graph.testing.PlainSwin;
import org.delineo.graph.testing.TorchWeights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * A tiny Swin loads an mmseg-named backbone-only state dict (the names of mmseg's converted ImageNet
 * checkpoints, without {@code backbone.}) strictly through {@link InitCheckpoint}: linear weights
 * [out, in] transposed (qkv, proj, FFN, the patch merging's reduction), the patch conv OIHW → HWIO,
 * the relative position bias tables [(2W − 1)², heads] kept, and the int64
 * {@code relative_position_index} buffers and an {@code attn_mask} buffer ignored. Its four maps
 * then equal {@link PlainSwin}'s forward over the very same PyTorch-layout arrays: this is what
 * proves the layouts.
 */
class SwinWeightsTest {
  private static final MmsegSwinKeys.Swin TINY =
      new MmsegSwinKeys.Swin(3, 8, new int[] {2, 2, 2, 2}, new int[] {1, 2, 2, 4}, 3, 2, 4);
  /** Input 30 × 45: stages 8 × 12, 4 × 6, 2 × 3, 1 × 2 (padded to windows of 3). */
  private static final int H = 30;
  private static final int W = 45;

  @TempDir Path dir;

  @Test
  void backboneOnlyFileWithBuffersLoadsStrictlyAndGivesThePlainJavaMaps() throws IOException {
    Map<String, long[]> shapes = MmsegSwinKeys.backbone(TINY);
    Map<String, float[]> torch = TorchWeights.random(shapes, 61);
    Random r = new Random(62);
    torch.forEach((k, v) -> {
      if (k.matches("norm\\d\\.weight")) {
        for (int i = 0; i < v.length; i++) {
          v[i] = 0.5f + r.nextFloat(); // output norm scales near 1, as the other norms'
        }
      }
    });
    Path file = dir.resolve("swin_tiny.safetensors");
    InitCheckpointTest.SafetensorsBuilder b = new InitCheckpointTest.SafetensorsBuilder();
    int buffers = 0;
    int[] index = PlainSwin.mmsegRelativePositionIndex(TINY.window());
    for (Map.Entry<String, float[]> e : torch.entrySet()) {
      b.f32(e.getKey(), shapes.get(e.getKey()), e.getValue());
      if (e.getKey().endsWith("relative_position_bias_table")) {
        String name = e.getKey().replace("relative_position_bias_table", "relative_position_index");
        ByteBuffer bb = ByteBuffer.allocate(8 * index.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i : index) {
          bb.putLong(i);
        }
        b.raw(name, "I64", new long[] {9, 9}, bb.array());
        buffers++;
      }
    }
    b.f32("stages.0.blocks.1.attn_mask", new long[] {12, 9, 9}, new float[12 * 81]);
    buffers++;
    b.write(file);

    float[] image = new float[H * W * 3];
    Random ri = new Random(63);
    for (int i = 0; i < image.length; i++) {
      image[i] = (float) ri.nextGaussian();
    }
    double[] pixels = new double[image.length];
    for (int i = 0; i < image.length; i++) {
      pixels[i] = image[i];
    }
    Map<String, float[]> prefixed = new TreeMap<>();
    torch.forEach((k, v) -> prefixed.put("backbone." + k, v));
    List<FeatureMap> want = new PlainSwin(prefixed).swin(new FeatureMap(H, W, 3, pixels), "backbone.", TINY);

    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 1);
      Operand<TFloat32> in = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, H, W, 3)));
      List<Operand<TFloat32>> maps = SwinTransformer.builder("backbone").embedDims(TINY.embedDims())
          .depths(TINY.depths()).numHeads(TINY.heads()).windowSize(TINY.window()).mlpRatio(TINY.mlpRatio()).build()
          .apply(ctx, in);
      s.initialize();
      InitCheckpointReport report = InitCheckpoint.load(s, g, file, List.of("backbone"), true);
      assertEquals(shapes.size(), report.loaded().size(), report.format());
      assertTrue(report.clean(), report.format());
      assertEquals(buffers, report.skipped(), "index buffers and the attention mask are ignored: " + report.format());
      try (TFloat32 t = Tensors.floats(Shape.of(1, H, W, 3), image)) {
        Session.Runner runner = s.runner().feed(in, t);
        maps.forEach(runner::fetch);
        try (Result res = runner.run()) {
          for (int i = 0; i < 4; i++) {
            FeatureMap m = want.get(i);
            assertArrayEquals(new long[] {1, m.h(), m.w(), m.c()}, res.get(i).shape().asArray(), "stage " + i);
            float[] got = Tensors.toFloats(res.get(i));
            for (int e = 0; e < got.length; e++) {
              assertEquals(m.v()[e], got[e], 1e-5 * Math.max(1, Math.abs(m.v()[e])), "stage " + i + ", element " + e);
            }
          }
        }
      }
    }
  }
}
