package org.delineo.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-written headers: the JSON is read by the project's one reader, errors name the file. */
class SafetensorsReaderTest {
  @TempDir Path dir;

  /** u64 LE header length, the header text as given, then {@code data} as float32 LE. */
  private Path file(String header, float... data) throws IOException {
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + json.length + 4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(json.length).put(json);
    for (float v : data) {
      b.putFloat(v);
    }
    return Files.write(dir.resolve("model.safetensors"), b.array());
  }

  @Test
  void readsEscapedNamesAndSkipsNestedMetadata() throws IOException {
    // "\u002e" is '.', as a writer escaping every non-alphanumeric character would write it.
    Path f = file("{\"__metadata__\": {\"format\": \"pt\", \"note\": \"a \\\"q\\\" \\u00e9\", \"n\": [1, {}]},"
        + " \"blocks\\u002e0.w\": {\"dtype\": \"F32\", \"shape\": [2, 1], \"data_offsets\": [0, 8]}}", 1.5f, -2f);
    Map<String, WeightArray> read = SafetensorsReader.read(f);
    assertEquals(List.of("blocks.0.w"), List.copyOf(read.keySet()));
    assertArrayEquals(new long[] {2, 1}, read.get("blocks.0.w").shape());
    assertArrayEquals(new float[] {1.5f, -2f}, read.get("blocks.0.w").values());
  }

  @Test
  void aMalformedNumberInTheHeaderNamesTheFileAndTheOffset() throws IOException {
    String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8e]}}";
    Path f = file(header, 1f, 2f);
    DelineoException e = assertThrows(DelineoException.class, () -> SafetensorsReader.read(f));
    assertEquals("safetensors file " + f + ", JSON header: malformed JSON at offset "
        + (header.indexOf("e]") + 1) + ": expected a digit in the exponent but found ']'", e.getMessage());
  }

  @Test
  void anUnknownEscapeInTheHeaderNamesTheFile() throws IOException {
    String header = "{\"w\\x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    Path f = file(header, 1f);
    DelineoException e = assertThrows(DelineoException.class, () -> SafetensorsReader.read(f));
    assertEquals("safetensors file " + f + ", JSON header: malformed JSON at offset " + header.indexOf('x')
        + ": expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u but found 'x'", e.getMessage());
  }
}
