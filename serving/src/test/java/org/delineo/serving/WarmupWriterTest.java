package org.delineo.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.proto.serving.PredictRequest;
import org.delineo.proto.serving.PredictionLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;

class WarmupWriterTest {
  @TempDir Path tmp;

  /** Independent TFRecord reader: checks both masked CRCs, returns the payloads. */
  static List<byte[]> readTfRecords(Path file) throws IOException {
    ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    List<byte[]> records = new ArrayList<>();
    while (in.hasRemaining()) {
      byte[] lengthBytes = new byte[8];
      in.get(lengthBytes);
      long length = ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
      assertEquals(masked(lengthBytes), in.getInt(), "masked CRC32C of the length, record " + records.size());
      byte[] data = new byte[(int) length];
      in.get(data);
      assertEquals(masked(data), in.getInt(), "masked CRC32C of the data, record " + records.size());
      records.add(data);
    }
    return records;
  }

  /** TensorFlow's mask written out in long arithmetic, then truncated to 32 bits. */
  private static int masked(byte[] b) {
    CRC32C crc = new CRC32C();
    crc.update(b);
    long c = crc.getValue();
    long rotated = ((c >> 15) | (c << 17)) & 0xffffffffL;
    return (int) ((rotated + 0xa282ead8L) & 0xffffffffL);
  }

  /** What the test decodes from a record by TF Serving's field numbers alone. */
  private record Decoded(String model, String signature, String inputKey, TensorProto tensor) {}

  /**
   * Walks a serialized PredictionLog by TF Serving's field numbers (PredictionLog.predict_log = 6,
   * PredictLog.request = 1, PredictRequest.model_spec = 1 / inputs = 2, ModelSpec.name = 1 /
   * signature_name = 3, map entry key = 1 / value = 2), without our generated classes.
   */
  private static Decoded decode(byte[] record) throws IOException {
    CodedInputStream log = CodedInputStream.newInstance(record);
    byte[] predictLog = field(log, 6);
    byte[] request = field(CodedInputStream.newInstance(predictLog), 1);
    String model = null;
    String signature = null;
    String key = null;
    TensorProto tensor = null;
    CodedInputStream req = CodedInputStream.newInstance(request);
    for (int tag = req.readTag(); tag != 0; tag = req.readTag()) {
      assertEquals(WireFormat.WIRETYPE_LENGTH_DELIMITED, WireFormat.getTagWireType(tag));
      byte[] value = req.readByteArray();
      CodedInputStream sub = CodedInputStream.newInstance(value);
      for (int t = sub.readTag(); t != 0; t = sub.readTag()) {
        int f = WireFormat.getTagFieldNumber(t);
        byte[] v = sub.readByteArray();
        if (WireFormat.getTagFieldNumber(tag) == 1) {
          if (f == 1) {
            model = new String(v, StandardCharsets.UTF_8);
          } else if (f == 3) {
            signature = new String(v, StandardCharsets.UTF_8);
          }
        } else if (WireFormat.getTagFieldNumber(tag) == 2) {
          if (f == 1) {
            key = new String(v, StandardCharsets.UTF_8);
          } else if (f == 2) {
            tensor = TensorProto.parseFrom(v);
          }
        }
      }
    }
    return new Decoded(model, signature, key, tensor);
  }

  /** The single length-delimited field {@code number} of a message. */
  private static byte[] field(CodedInputStream in, int number) throws IOException {
    int tag = in.readTag();
    assertEquals((number << 3) | 2, tag, // wire type 2: length-delimited
        "expected field " + number);
    byte[] value = in.readByteArray();
    assertEquals(0, in.readTag(), "no other fields");
    return value;
  }

  @Test
  void recordsAreFramedAndDecodeByServingFieldNumbers() throws IOException {
    WarmupInput a = new WarmupInput(new long[] {2, 3, 1}, new float[] {0, 1, 2, 3, 4, 5});
    WarmupInput b = new WarmupInput(new long[] {2, 3, 1}, new float[] {-1.5f, 2.25f, 7, 8, 9, 1e-3f});
    Path file = new WarmupWriter("tiny").write(tmp, List.of(a, b), 3);
    assertEquals(tmp.resolve("assets.extra").resolve("tf_serving_warmup_requests"), file);

    List<byte[]> records = readTfRecords(file);
    assertEquals(3, records.size(), "count records, inputs cycled");
    float[][] expected = {
        {0, 1, 2, 3, 4, 5}, {-1.5f, 2.25f, 7, 8, 9, 1e-3f}, {0, 1, 2, 3, 4, 5}};
    for (int r = 0; r < records.size(); r++) {
      Decoded d = decode(records.get(r));
      assertEquals("tiny", d.model());
      assertEquals("serving_default", d.signature());
      assertEquals("image", d.inputKey());
      assertEquals(DataType.DT_FLOAT, d.tensor().getDtype());
      assertEquals(List.of(1L, 2L, 3L, 1L), d.tensor().getTensorShape().getDimList().stream()
          .map(dim -> dim.getSize()).toList(), "shape [1, H, W, C]");
      float[] values = new float[d.tensor().getFloatValCount()];
      for (int i = 0; i < values.length; i++) {
        values[i] = d.tensor().getFloatVal(i);
      }
      assertArrayEquals(expected[r], values, 0f, "values exactly (tolerance 0)");

      // Our generated classes read the same bytes.
      PredictionLog log = PredictionLog.parseFrom(records.get(r));
      PredictRequest request = log.getPredictLog().getRequest();
      assertEquals("tiny", request.getModelSpec().getName());
      assertEquals(d.tensor(), TensorProto.parseFrom(request.getInputsOrThrow("image")));
    }
  }

  @Test
  void syntheticInputsHaveTheShapeAndDiffer() throws IOException {
    long[] shape = {4, 4, 2};
    Path file = new WarmupWriter("m").write(tmp,
        List.of(WarmupInput.synthetic(shape, 1), WarmupInput.synthetic(shape, 2)), 2);
    List<byte[]> records = readTfRecords(file);
    TensorProto first = decode(records.get(0)).tensor();
    TensorProto second = decode(records.get(1)).tensor();
    assertEquals(32, first.getFloatValCount());
    assertTrue(first.getFloatValList().stream().allMatch(v -> v >= 0 && v < 1), "uniform [0, 1)");
    assertTrue(!first.getFloatValList().equals(second.getFloatValList()), "different seeds");
  }

  @Test
  void rejectsBadCountsAndShapes() {
    WarmupInput one = WarmupInput.synthetic(new long[] {2, 2, 1}, 0);
    WarmupWriter w = new WarmupWriter("m");
    DelineoException tooMany = assertThrows(DelineoException.class, () -> w.write(tmp, List.of(one), 1001));
    assertTrue(tooMany.getMessage().contains("1001"), tooMany.getMessage());
    assertThrows(DelineoException.class, () -> w.write(tmp, List.of(one), 0));
    assertThrows(DelineoException.class, () -> w.write(tmp, List.of(), 1));
    ShapeMismatchException shape = assertThrows(ShapeMismatchException.class,
        () -> new WarmupInput(new long[] {2, 2}, new float[3]));
    assertTrue(shape.getMessage().contains("expected 4 values"), shape.getMessage());
    assertTrue(Arrays.equals(new long[] {2, 2, 1}, one.shape()));
  }
}
