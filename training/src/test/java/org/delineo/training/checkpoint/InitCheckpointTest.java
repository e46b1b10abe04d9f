package org.delineo.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.Tensors;
import org.delineo.graph.VariableKind;
import org.delineo.graph.init.Initializers;
import org.delineo.training.data.io.NpyArray;
import org.delineo.training.data.io.NpyWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Pretrained weights from hand-written .safetensors / .npz files and from our own checkpoints load
 * into a tiny model: every element is checked against an index map written in the test (exact, the
 * values are small integers or exact binary16/bfloat16 patterns).
 */
class InitCheckpointTest {
  @TempDir Path dir;

  /** Variables of a tiny model in our layouts, and an optimizer slot that must never be loaded. */
  private static final class Tiny implements AutoCloseable {
    final Graph graph = new Graph();
    final Session session;

    Tiny() {
      GraphContext ctx = GraphContext.create(graph, Mode.TRAIN, 0);
      var v = ctx.variables();
      v.variable("backbone.stem.0.weight", Shape.of(3, 3, 2, 4), Initializers.zeros(), VariableKind.WEIGHT); // HWIO
      v.variable("backbone.stem.1.running_mean", Shape.of(4), Initializers.zeros(), VariableKind.STATE);
      v.variable("backbone.dw.weight", Shape.of(1, 2, 2, 2), Initializers.zeros(), VariableKind.WEIGHT); // kh kw C m
      v.variable("backbone.half", Shape.of(5), Initializers.zeros(), VariableKind.BIAS);
      v.variable("decode_head.fc.weight", Shape.of(3, 2), Initializers.constant(7f), VariableKind.WEIGHT); // [in, out]
      v.variable("decode_head.fc.weight.momentum", Shape.of(3, 2), Initializers.zeros(), VariableKind.STATE);
      session = new Session(graph);
      session.initialize();
    }

    float[] get(String name) {
      try (Result r = session.runner().fetch(graph.operation(name + "_read").output(0)).run()) {
        return Tensors.toFloats(r, 0);
      }
    }

    @Override
    public void close() {
      session.close();
      graph.close();
    }
  }

  private static float[] iota(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = i;
    }
    return v;
  }

  /** Our HWIO kernel from an OIHW array holding its flat index: ours[h][w][i][o] = src[o][i][h][w]. */
  private static float[] expectedHwio(int o, int in, int kh, int kw) {
    float[] out = new float[o * in * kh * kw];
    int k = 0;
    for (int h = 0; h < kh; h++) {
      for (int w = 0; w < kw; w++) {
        for (int i = 0; i < in; i++) {
          for (int oc = 0; oc < o; oc++) {
            out[k++] = ((oc * in + i) * kh + h) * kw + w;
          }
        }
      }
    }
    return out;
  }

  @Test
  void safetensorsBackboneOnlyFileLoadsTransposedWithPrefixAndHalfPrecision() throws IOException {
    Path file = dir.resolve("resnet.safetensors");
    // A backbone-only (ImageNet-style) state dict: no "backbone." prefix.
    SafetensorsBuilder b = new SafetensorsBuilder();
    b.f32("stem.0.weight", new long[] {4, 2, 3, 3}, iota(72)); // OIHW
    b.f32("stem.1.running_mean", new long[] {4}, new float[] {1, 2, 3, 4});
    b.raw("stem.1.num_batches_tracked", "I64", new long[] {}, le(8, bb -> bb.putLong(0, 5)));
    b.f32("dw.weight", new long[] {4, 1, 1, 2}, iota(8)); // depthwise [C·m, 1, kh, kw], C = 2, m = 2
    // binary16 1.0, -2.0, 65504, 2^-24 and bfloat16 -3.0 patterns.
    b.raw("half", "F16", new long[] {4}, le(8, bb -> bb.putShort(0, (short) 0x3C00).putShort(2, (short) 0xC000)
        .putShort(4, (short) 0x7BFF).putShort(6, (short) 0x0001)));
    b.raw("fc.weight", "BF16", new long[] {1}, le(2, bb -> bb.putShort(0, (short) 0xC040)));
    b.write(file);
    Map<String, WeightArray> read = SafetensorsReader.read(file);
    assertArrayEquals(new float[] {-3f}, read.get("fc.weight").values(), "bfloat16 0xC040 = -3 (exact)");

    try (Tiny t = new Tiny()) {
      // "half" has 4 values in the file but 5 in the model: a mismatch, reported, not loaded.
      InitCheckpointReport r = InitCheckpoint.load(t.session, t.graph, file, List.of(), false);
      assertArrayEquals(expectedHwio(4, 2, 3, 3), t.get("backbone.stem.0.weight"), "OIHW -> HWIO, exact");
      assertArrayEquals(new float[] {1, 2, 3, 4}, t.get("backbone.stem.1.running_mean"));
      // ours[0][w][c][q] = src[c·2 + q][0][0][w]: src flat index (c·2+q)·2 + w.
      float[] dw = new float[8];
      for (int w = 0; w < 2; w++) {
        for (int c = 0; c < 2; c++) {
          for (int q = 0; q < 2; q++) {
            dw[(w * 2 + c) * 2 + q] = (c * 2 + q) * 2 + w;
          }
        }
      }
      assertArrayEquals(dw, t.get("backbone.dw.weight"), "depthwise [C*m,1,kh,kw] -> [kh,kw,C,m], exact");
      assertEquals(List.of("decode_head.fc.weight"), r.missing());
      assertEquals(List.of("fc.weight (as backbone.fc.weight)"), r.unexpected());
      assertEquals(1, r.mismatched().size(), r.format());
      assertTrue(r.mismatched().get(0).startsWith("backbone.half: ours [5], file [4]"), r.mismatched().get(0));
      assertEquals(1, r.skipped(), "num_batches_tracked is ignored");
      assertArrayEquals(new float[] {7, 7, 7, 7, 7, 7}, t.get("decode_head.fc.weight"), "missing keeps its value");
    }
    assertArrayEquals(new float[] {1f, -2f, 65504f, 0x1p-24f}, read.get("half").values(), 0f,
        "binary16 patterns decode exactly");
  }

  @Test
  void npzLoadsLinearTransposedAndStrictModeListsEveryProblemWithoutAssigning() throws IOException {
    Path file = dir.resolve("model.npz");
    Map<String, NpyArray> arrays = new LinkedHashMap<>();
    arrays.put("module.decode_head.fc.weight", NpyArray.ofFloats(iota(6), 2, 3)); // [out, in]
    arrays.put("backbone.stem.1.running_mean", NpyArray.ofFloats(new float[] {5, 6, 7, 8}, 4));
    writeNpz(file, arrays);
    try (Tiny t = new Tiny()) {
      InitCheckpointReport r = InitCheckpoint.load(t.session, t.graph, file, List.of("decode_head"), false);
      // ours[i][o] = src[o][i] = o·3 + i
      assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, t.get("decode_head.fc.weight"), "[out,in] -> [in,out]");
      assertEquals(List.of("decode_head.fc.weight"), r.loaded(), "the momentum slot is not a model variable");
      assertEquals(1, r.skipped(), "backbone names lie outside init_checkpoint_modules");
      assertArrayEquals(new float[4], t.get("backbone.stem.1.running_mean"), "not loaded outside the modules");

      DelineoException e = assertThrows(DelineoException.class,
          () -> InitCheckpoint.load(t.session, t.graph, file, List.of("backbone"), true));
      for (String name : List.of("backbone.stem.0.weight", "backbone.dw.weight", "backbone.half")) {
        assertTrue(e.getMessage().contains(name), "strict failure lists " + name + ": " + e.getMessage());
      }
      assertArrayEquals(new float[4], t.get("backbone.stem.1.running_mean"), "strict failure assigns nothing");
    }
  }

  @Test
  void trainOnlyNamesPassStrictModeInAnEvalGraphAndAreReportedAsSuch() throws IOException {
    // A full state dict: the model's own names plus an auxiliary head the EVAL graph never builds.
    Path file = dir.resolve("full.npz");
    Map<String, NpyArray> arrays = new LinkedHashMap<>();
    arrays.put("backbone.stem.0.weight", NpyArray.ofFloats(iota(72), 4, 2, 3, 3));
    arrays.put("backbone.stem.1.running_mean", NpyArray.ofFloats(new float[] {1, 2, 3, 4}, 4));
    arrays.put("backbone.dw.weight", NpyArray.ofFloats(iota(8), 4, 1, 1, 2));
    arrays.put("backbone.half", NpyArray.ofFloats(iota(5), 5));
    arrays.put("decode_head.fc.weight", NpyArray.ofFloats(iota(6), 2, 3));
    arrays.put("auxiliary_head.conv_seg.weight", NpyArray.ofFloats(iota(6), 2, 3, 1, 1));
    writeNpz(file, arrays);
    try (Tiny t = new Tiny()) {
      DelineoException e = assertThrows(DelineoException.class,
          () -> InitCheckpoint.load(t.session, t.graph, file, List.of(), true),
          "without knowing the TRAIN graph's names the auxiliary head is unexpected");
      assertTrue(e.getMessage().contains("auxiliary_head.conv_seg.weight"), e.getMessage());

      InitCheckpointReport r = InitCheckpoint.load(t.session, t.graph, file, List.of(), true,
          Set.of("auxiliary_head.conv_seg.weight", "auxiliary_head.conv_seg.bias"));
      assertTrue(r.clean(), r.format());
      assertEquals(List.of("auxiliary_head.conv_seg.weight"), r.trainOnly(), "only what the file holds");
      assertEquals(5, r.loaded().size(), r.format());
      assertTrue(r.format().contains("1 train-only"), r.format());
      assertArrayEquals(new float[] {1, 2, 3, 4}, t.get("backbone.stem.1.running_mean"));
    }
  }

  @Test
  void ownCheckpointLoadsOnlyTheRequestedModule() {
    Path ckpt = dir.resolve("ckpt-3");
    float[] kernel = iota(72);
    try (Tiny t = new Tiny()) {
      // Give every variable distinctive values, then save as CheckpointManager does.
      Path npz = dir.resolve("all.npz");
      Map<String, NpyArray> all = new LinkedHashMap<>();
      all.put("backbone.stem.0.weight", NpyArray.ofFloats(kernel, 3, 3, 2, 4)); // already ours: not a conv form
      all.put("decode_head.fc.weight", NpyArray.ofFloats(new float[] {9, 9, 9, 9, 9, 9}, 3, 2));
      writeNpzQuiet(npz, all);
      InitCheckpoint.load(t.session, t.graph, npz, List.of(), false);
      t.session.save(ckpt.resolve(CheckpointManager.VARIABLES_PREFIX).toString());
    }
    try (Tiny t = new Tiny()) {
      InitCheckpointReport r = InitCheckpoint.load(t.session, t.graph, ckpt, List.of("backbone"), true);
      assertArrayEquals(kernel, t.get("backbone.stem.0.weight"), "restored by name in our layout");
      assertArrayEquals(new float[] {7, 7, 7, 7, 7, 7}, t.get("decode_head.fc.weight"), "outside 'backbone'");
      assertEquals(4, r.loaded().size(), r.format());
      assertTrue(r.clean(), r.format());
    }
  }

  @Test
  void unknownFileNamesWhatIsAccepted() {
    try (Tiny t = new Tiny()) {
      DelineoException e = assertThrows(DelineoException.class,
          () -> InitCheckpoint.load(t.session, t.graph, dir.resolve("nope.pth"), List.of(), false));
      assertTrue(e.getMessage().contains(".safetensors") && e.getMessage().contains("nope.pth"), e.getMessage());
    }
  }

  private static byte[] le(int n, java.util.function.Consumer<ByteBuffer> fill) {
    ByteBuffer bb = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    fill.accept(bb);
    return bb.array();
  }

  private void writeNpzQuiet(Path file, Map<String, NpyArray> arrays) {
    try {
      writeNpz(file, arrays);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private void writeNpz(Path file, Map<String, NpyArray> arrays) throws IOException {
    try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
      for (Map.Entry<String, NpyArray> e : arrays.entrySet()) {
        Path npy = dir.resolve("entry.npy");
        NpyWriter.write(npy, e.getValue());
        zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
        zip.write(Files.readAllBytes(npy));
        zip.closeEntry();
      }
    }
  }

  /**
   * Writes the safetensors format by hand: u64 LE header length, JSON header, raw LE data (also used
   * by {@link SwinWeightsTest}).
   */
  static final class SafetensorsBuilder {
    private final List<String> entries = new ArrayList<>();
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();

    void f32(String name, long[] shape, float[] v) {
      raw(name, "F32", shape, le(4 * v.length, bb -> {
        for (int i = 0; i < v.length; i++) {
          bb.putFloat(4 * i, v[i]);
        }
      }));
    }

    void raw(String name, String dtype, long[] shape, byte[] bytes) {
      StringBuilder s = new StringBuilder();
      for (long d : shape) {
        s.append(s.length() == 0 ? "" : ",").append(d);
      }
      entries.add("\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + s + "],\"data_offsets\":["
          + data.size() + "," + (data.size() + bytes.length) + "]}");
      data.writeBytes(bytes);
    }

    void write(Path file) throws IOException {
      byte[] header = ("{\"__metadata__\":{\"format\":\"pt\"}," + String.join(",", entries) + "}")
          .getBytes(StandardCharsets.UTF_8);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(le(8, bb -> bb.putLong(0, header.length)));
      out.writeBytes(header);
      out.writeBytes(data.toByteArray());
      Files.write(file, out.toByteArray());
    }
  }
}
