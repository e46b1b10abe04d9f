package org.delineo.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TfRecordWriterTest {

  @Test
  void maskedCrcOfTheLengthMatchesTensorFlowsKnownVector() {
    // TensorFlow's record tests: the 8 little-endian bytes of the length 24 have masked CRC32C
    // 0x224b7fa3 (exact match).
    byte[] length24 = {24, 0, 0, 0, 0, 0, 0, 0};
    assertEquals(0x224b7fa3, TfRecordWriter.maskedCrc32c(length24, 0, 8));
  }

  @Test
  void framesARecordAsLengthCrcDataCrc() throws IOException {
    byte[] data = "abc".getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TfRecordWriter w = new TfRecordWriter(bytes)) {
      w.write(data);
    }
    byte[] out = bytes.toByteArray();
    assertEquals(8 + 4 + 3 + 4, out.length, "header 12 bytes, data, footer 4 bytes");
    assertArrayEquals(new byte[] {3, 0, 0, 0, 0, 0, 0, 0}, java.util.Arrays.copyOf(out, 8),
        "uint64 little-endian length");
    assertArrayEquals(data, java.util.Arrays.copyOfRange(out, 12, 15));
    // The CRC fields are checked independently in WarmupWriterTest's TFRecord reader.
  }
}
