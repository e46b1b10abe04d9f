package org.delineo.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
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
import java.util.regex.Pattern;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.Tensors;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.delineo.graph.testing.PlainSegNeXt;
import org.delineo.graph.testing.PlainSegNeXt.Map3;
import org.delineo.graph.testing.StateDictFeeds;
import org.delineo.training.config.ExperimentConfigLoader;
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
 * A tiny SegNeXt loads an mmseg-named, PyTorch-layout state dict strictly by name, and its EVAL
 * logits then equal {@link PlainSegNeXt} fed the very same PyTorch arrays: that proves the
 * layouts of the dense, depthwise and strip kernels, the layer scales and the norms through the
 * loader. A backbone-only file (names without {@code backbone.}, as mmseg's converted MSCAN ImageNet
 * checkpoints) loads into the backbone.
 */
class SegNeXtWeightsTest {
  private static final int[] DIMS = {8, 16, 32, 32};
  private static final int[] DEPTHS = {1, 2, 1, 1};
  private static final int[] RATIOS = {2, 2, 1, 1};
  private static final int[] STRIPS = {7, 11, 21};
  private static final int HAM = 32;
  private static final int RANK = 4;
  private static final int CLASSES = 5;
  private static final String MODEL = "model { segnext { backbone { mscan { embed_dims: [8, 16, 32, 32]"
      + " depths: [1, 2, 1, 1] mlp_ratios: [2, 2, 1, 1] } } channels: 32 ham_channels: 32 md_r: 4 } }";
  /** MSCAN's depthwise kernels: PyTorch [C, 1, kh, kw] (groups = C). */
  private static final Pattern DEPTHWISE = Pattern.compile(".*\\.(conv0|conv\\d_\\d|dwconv)\\.weight");
  private static final int H = 40;
  private static final int W = 36;

  @TempDir
  Path dir;

  @Test
  void fullStateDictLoadsStrictlyAndTheLogitsEqualPlainJava() throws IOException {
    float[] image = image();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Built m = build(g);
      Map<String, float[]> torch;
      try (StateDictFeeds random = StateDictFeeds.random(m.ctx().variables(), 77)) {
        torch = random.torchLayout();
      }
      Path file = dir.resolve("segnext_tiny.safetensors");
      writeSafetensors(file, torch, torchShapes(m.ctx()), true);
      s.initialize();
      InitCheckpointReport report = InitCheckpoint.load(s, g, file, List.of(), true);
      assertEquals(torch.size(), report.loaded().size(), report.format());
      assertEquals(torch.keySet().stream().filter(n -> n.endsWith("running_mean")).count(), report.skipped(),
          "one num_batches_tracked per batch norm, ignored");
      try (TFloat32 in = Tensors.floats(Shape.of(1, H, W, 3), image);
          Result r = s.runner().feed(m.image(), in).fetch(m.out().logits())
              .fetch("decode_head.hamburger.ham.bases").run()) {
        float[] logits = Tensors.toFloats(r.get(0));
        float[] bases = Tensors.toFloats(r.get(1));
        PlainSegNeXt plain = new PlainSegNeXt(torch);
        List<Map3> features = plain.backbone(chw(image), "backbone", DIMS, DEPTHS, RATIOS, 5, STRIPS);
        double[][] b = new double[HAM][RANK];
        for (int d = 0; d < HAM; d++) {
          for (int k = 0; k < RANK; k++) {
            b[d][k] = bases[d * RANK + k];
          }
        }
        // EVAL: 7 NMF steps; logits at level 1 (40 x 36 -> 20 x 18 -> 10 x 9 -> 5 x 5).
        Map3 expected = plain.head(features, "decode_head", new int[] {1, 2, 3}, HAM, HAM, 32, CLASSES, b, 7);
        assertEquals(Shape.of(1, 5, 5, CLASSES), m.out().logits().shape());
        assertClose(expected.toNhwc(), logits, 1e-5, "logits");
      }
    }
  }

  @Test
  void backboneOnlyFileLoadsIntoTheBackbone() throws IOException {
    float[] image = image();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Built m = build(g);
      Map<String, float[]> torch = new LinkedHashMap<>();
      Map<String, long[]> shapes = new LinkedHashMap<>();
      Map<String, long[]> allShapes = torchShapes(m.ctx());
      try (StateDictFeeds random = StateDictFeeds.random(m.ctx().variables(), 78)) {
        random.torchLayout().forEach((name, v) -> {
          if (name.startsWith("backbone.")) {
            torch.put(name.substring("backbone.".length()), v);
            shapes.put(name.substring("backbone.".length()), allShapes.get(name));
          }
        });
      }
      // An ImageNet checkpoint also holds its classifier, which the segmentation model lacks.
      torch.put("head.weight", new float[1000 * 32]);
      shapes.put("head.weight", new long[] {1000, 32});
      Path file = dir.resolve("mscan_tiny_imagenet.safetensors");
      writeSafetensors(file, torch, shapes, false);
      s.initialize();
      InitCheckpointReport report = InitCheckpoint.load(s, g, file, List.of("backbone"), false);
      assertEquals(torch.size() - 1, report.loaded().size(), report.format());
      assertTrue(report.missing().isEmpty() && report.mismatched().isEmpty(), report.format());
      assertEquals(List.of("head.weight (as backbone.head.weight)"), report.unexpected());
      assertTrue(report.loaded().stream().allMatch(n -> n.startsWith("backbone.")), report.format());

      Map<String, float[]> withPrefix = new LinkedHashMap<>();
      torch.forEach((name, v) -> withPrefix.put("backbone." + name, v));
      List<Map3> expected = new PlainSegNeXt(withPrefix).backbone(chw(image), "backbone", DIMS, DEPTHS, RATIOS, 5,
          STRIPS);
      try (TFloat32 in = Tensors.floats(Shape.of(1, H, W, 3), image)) {
        Session.Runner runner = s.runner().feed(m.image(), in);
        for (int i = 0; i < 4; i++) {
          runner.fetch(m.out().features().get("backbone." + i));
        }
        try (Result r = runner.run()) {
          for (int i = 0; i < 4; i++) {
            assertClose(expected.get(i).toNhwc(), Tensors.toFloats(r.get(i)), 1e-5, "stage " + (i + 1));
          }
        }
      }
    }
  }

  /** The EVAL graph of the tiny model on a static 1 x H x W x 3 image. */
  private record Built(GraphContext ctx, Operand<TFloat32> image, ModelOutputs out) {}

  private static Built build(Graph g) {
    GraphContext ctx = GraphContext.create(g, Mode.EVAL, 0);
    Operand<TFloat32> image = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, H, W, 3)));
    ModelOutputs out = Experiment.create(ExperimentConfigLoader.parse(MODEL, "test"), List.of())
        .model(CLASSES, 3).apply(ctx, ModelInputs.of(image));
    return new Built(ctx, image, out);
  }

  /**
   * PyTorch's shape of every variable, from mmseg's module types: conv kernels [O, I, kh, kw]
   * (ours [kh, kw, I, O]); MSCAN's depthwise kernels [C, 1, kh, kw] (ours [kh, kw, C, 1]).
   */
  private static Map<String, long[]> torchShapes(GraphContext ctx) {
    Map<String, long[]> out = new LinkedHashMap<>();
    for (ModelVariable<?> v : ctx.variables().all()) {
      long[] s = v.shape().asArray();
      if (s.length == 4) {
        s = DEPTHWISE.matcher(v.name()).matches()
            ? new long[] {s[2], 1, s[0], s[1]}
            : new long[] {s[3], s[2], s[0], s[1]};
      }
      out.put(v.name(), s);
    }
    return out;
  }

  /** mmseg's state dict as a .safetensors file (F32), with I64 num_batches_tracked per BN when asked. */
  private static void writeSafetensors(Path file, Map<String, float[]> values, Map<String, long[]> shapes,
      boolean batchCounters) throws IOException {
    List<String> entries = new ArrayList<>();
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    for (Map.Entry<String, float[]> e : values.entrySet()) {
      ByteBuffer bb = ByteBuffer.allocate(4 * e.getValue().length).order(ByteOrder.LITTLE_ENDIAN);
      for (float f : e.getValue()) {
        bb.putFloat(f);
      }
      entry(entries, data, e.getKey(), "F32", shapes.get(e.getKey()), bb.array());
      if (batchCounters && e.getKey().endsWith(".running_mean")) {
        String counter = e.getKey().replace(".running_mean", ".num_batches_tracked");
        entry(entries, data, counter, "I64", new long[0],
            ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(160_000L).array());
      }
    }
    byte[] header = ("{\"__metadata__\":{\"format\":\"pt\"}," + String.join(",", entries) + "}")
        .getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
    out.writeBytes(header);
    out.writeBytes(data.toByteArray());
    Files.write(file, out.toByteArray());
  }

  private static void entry(List<String> entries, ByteArrayOutputStream data, String name, String dtype, long[] shape,
      byte[] bytes) {
    StringBuilder dims = new StringBuilder();
    for (long d : shape) {
      dims.append(dims.length() == 0 ? "" : ",").append(d);
    }
    entries.add("\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + dims + "],\"data_offsets\":["
        + data.size() + "," + (data.size() + bytes.length) + "]}");
    data.writeBytes(bytes);
  }

  private static float[] image() {
    Random r = new Random(5);
    float[] v = new float[H * W * 3];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (r.nextDouble() * 4 - 2);
    }
    return v;
  }

  private static Map3 chw(float[] nhwc) {
    double[] v = new double[nhwc.length];
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        for (int c = 0; c < 3; c++) {
          v[(c * H + y) * W + x] = nhwc[(y * W + x) * 3 + c];
        }
      }
    }
    return new Map3(3, H, W, v);
  }

  /** |expected − actual| ≤ tol · max(|expected|, 1). */
  private static void assertClose(double[] expected, float[] actual, double tol, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      if (!(Math.abs(expected[i] - actual[i]) <= tol * Math.max(Math.abs(expected[i]), 1))) {
        fail(what + " differs at " + i + ": expected " + expected[i] + ", found " + actual[i]);
      }
    }
  }
}
