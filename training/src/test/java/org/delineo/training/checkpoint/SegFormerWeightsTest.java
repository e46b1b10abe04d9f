package org.delineo.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.Tensors;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.delineo.graph.testing.MmsegSegFormerKeys;
import org.delineo.graph.testing.PlainSegFormer;
import org.delineo.graph.testing.PlainSegFormer.FeatureMap;
import org.delineo.graph.testing.TorchWeights;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.data.io.NpyArray;
import org.delineo.training.data.io.NpyWriter;
import org.delineo.training.wiring.Experiment;
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
 * A tiny SegFormer loads mmseg-named PyTorch state dicts strictly by name through
 * {@link InitCheckpoint} (in_proj_weight [3C, C], conv OIHW, depthwise [C, 1, 3, 3], BN running
 * statistics, {@code num_batches_tracked} ignored), and its logits then equal the plain-Java
 * forward of {@link PlainSegFormer} over the very same PyTorch-layout arrays: this is what proves
 * the transposes. A backbone-only file (mmseg's converted {@code mit_b3.pth} names, without
 * {@code backbone.}) loads into the backbone alone.
 */
class SegFormerWeightsTest {
  private static final int CLASSES = 3;
  private static final int CHANNELS = 6;
  private static final MmsegSegFormerKeys.Mit TINY = new MmsegSegFormerKeys.Mit(3, new int[] {8, 8, 12, 16},
      new int[] {1, 2, 1, 1}, new int[] {1, 2, 2, 4}, new int[] {4, 2, 2, 1}, new int[] {7, 3, 3, 3}, 2);
  private static final String MODEL = "model { segformer { backbone { mit { embed_dims: [8, 8, 12, 16]"
      + " num_layers: [1, 2, 1, 1] num_heads: [1, 2, 2, 4] sr_ratios: [4, 2, 2, 1] mlp_ratio: 2 } } channels: 6 } }";
  /** Input 30 × 45: stages 8 × 12, 4 × 6, 2 × 3, 1 × 2; logits at stage 1's size. */
  private static final int H = 30;
  private static final int W = 45;

  @TempDir Path dir;

  @Test
  void fullStateDictLoadsStrictlyAndGivesThePlainJavaLogits() throws IOException {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    MmsegSegFormerKeys.backbone(TINY).forEach((k, v) -> shapes.put("backbone." + k, v));
    shapes.putAll(MmsegSegFormerKeys.head(TINY.dims(), CHANNELS, CLASSES, true));
    Map<String, float[]> torch = TorchWeights.random(shapes, 51);
    Path file = dir.resolve("segformer_tiny.npz");
    writeNpz(file, torch, shapes);

    float[] image = randoms(H * W * 3, 52);
    PlainSegFormer plain = new PlainSegFormer(torch);
    List<FeatureMap> stages = plain.mit(map(image), "backbone.", TINY, 1e-6);
    FeatureMap want = plain.segformerHead(stages, "decode_head.", CHANNELS, CLASSES);

    try (Graph g = new Graph(); Session s = new Session(g)) {
      ModelOutputs out = build(g);
      s.initialize();
      InitCheckpointReport report = InitCheckpoint.load(s, g, file, List.of(), true);
      long floats = shapes.keySet().stream().filter(k -> !k.endsWith("num_batches_tracked")).count();
      assertEquals(floats, report.loaded().size(), report.format());
      assertEquals(shapes.size() - floats, report.skipped(), "num_batches_tracked is ignored: " + report.format());
      float[] got = run(s, g, out.logits(), image);
      assertClose(want.v(), got, "logits");
    }
  }

  @Test
  void backboneOnlyStateDictLoadsIntoTheBackbone() throws IOException {
    Map<String, long[]> shapes = MmsegSegFormerKeys.backbone(TINY); // no "backbone." prefix, as mit_b3.pth
    Map<String, float[]> torch = TorchWeights.random(shapes, 53);
    Path file = dir.resolve("mit_tiny.safetensors");
    writeSafetensors(file, torch, shapes);

    float[] image = randoms(H * W * 3, 54);
    Map<String, float[]> prefixed = new LinkedHashMap<>();
    torch.forEach((k, v) -> prefixed.put("backbone." + k, v));
    List<FeatureMap> want = new PlainSegFormer(prefixed).mit(map(image), "backbone.", TINY, 1e-6);

    try (Graph g = new Graph(); Session s = new Session(g)) {
      ModelOutputs out = build(g);
      s.initialize();
      InitCheckpointReport report = InitCheckpoint.load(s, g, file, List.of("backbone"), true);
      assertTrue(report.clean(), report.format());
      assertEquals(shapes.size(), report.loaded().size(), report.format());
      assertTrue(report.loaded().stream().allMatch(n -> n.startsWith("backbone.")), report.format());
      for (int i = 0; i < 4; i++) {
        assertClose(want.get(i).v(), run(s, g, out.features().get("backbone." + i), image), "stage " + i);
      }
    }
  }

  /** The tiny SegFormer of {@link #MODEL} as an EVAL graph on a 1 × 30 × 45 × 3 placeholder named "image". */
  private static ModelOutputs build(Graph g) {
    GraphContext ctx = GraphContext.create(g, Mode.EVAL, 0);
    Operand<TFloat32> image = ctx.tf().withName("image").placeholder(TFloat32.class,
        Placeholder.shape(Shape.of(1, H, W, 3)));
    return Experiment.create(ExperimentConfigLoader.parse(MODEL, "test"), List.of()).model(CLASSES, 3)
        .apply(ctx, ModelInputs.of(image));
  }

  /** {@code y} with {@code image} fed to the placeholder "image". */
  private static float[] run(Session s, Graph g, Operand<TFloat32> y, float[] image) {
    try (TFloat32 in = Tensors.floats(Shape.of(1, H, W, 3), image);
        Result r = s.runner().feed(g.operation("image").output(0), in).fetch(y).run()) {
      return Tensors.toFloats(r.get(0));
    }
  }

  private static float[] randoms(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  private static FeatureMap map(float[] image) {
    double[] v = new double[image.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = image[i];
    }
    return new FeatureMap(H, W, 3, v);
  }

  private static void assertClose(double[] want, float[] got, String what) {
    assertEquals(want.length, got.length, what + ": element count");
    for (int e = 0; e < want.length; e++) {
      assertEquals(want[e], got[e], 1e-5 * Math.max(1, Math.abs(want[e])), what + ", element " + e);
    }
  }

  // ---- PyTorch state-dict files, written here ----

  /** An .npz of float32 arrays in PyTorch layout, {@code num_batches_tracked} as an int scalar. */
  private void writeNpz(Path file, Map<String, float[]> values, Map<String, long[]> shapes) throws IOException {
    Path npy = dir.resolve("entry.npy");
    try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
      for (Map.Entry<String, long[]> e : shapes.entrySet()) {
        int[] shape = new int[e.getValue().length];
        for (int i = 0; i < shape.length; i++) {
          shape[i] = (int) e.getValue()[i];
        }
        NpyWriter.write(npy, e.getKey().endsWith("num_batches_tracked")
            ? NpyArray.ofInts(new int[] {1000}, shape)
            : NpyArray.ofFloats(values.get(e.getKey()), shape));
        zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
        zip.write(Files.readAllBytes(npy));
        zip.closeEntry();
      }
    }
  }

  /** A .safetensors file of F32 arrays: 8-byte header length, JSON header, little-endian data. */
  private static void writeSafetensors(Path file, Map<String, float[]> values, Map<String, long[]> shapes)
      throws IOException {
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    List<String> entries = new ArrayList<>();
    for (Map.Entry<String, float[]> e : values.entrySet()) {
      ByteBuffer b = ByteBuffer.allocate(4 * e.getValue().length).order(ByteOrder.LITTLE_ENDIAN);
      for (float f : e.getValue()) {
        b.putFloat(f);
      }
      StringBuilder shape = new StringBuilder();
      for (long d : shapes.get(e.getKey())) {
        shape.append(shape.length() == 0 ? "" : ",").append(d);
      }
      entries.add("\"" + e.getKey() + "\":{\"dtype\":\"F32\",\"shape\":[" + shape + "],\"data_offsets\":["
          + data.size() + "," + (data.size() + b.capacity()) + "]}");
      data.writeBytes(b.array());
    }
    byte[] header = ("{" + String.join(",", entries) + "}").getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
    out.writeBytes(header);
    out.writeBytes(data.toByteArray());
    Files.write(file, out.toByteArray());
  }
}
