package org.delineo.graph.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TUint8;

class TensorBundleIndexTest {
  /** Enough variables with long shared prefixes that the index needs several 4 KiB data blocks. */
  private static final int LAYERS = 400;

  @TempDir Path dir;

  @Test
  void readsEveryNameDtypeAndShapeOfABundleWrittenByTensorFlow() {
    Map<String, StoredTensor> expected = new TreeMap<>();
    Path prefix = dir.resolve("variables");
    try (Graph g = new Graph()) {
      BundleFixture f = new BundleFixture(g);
      f.variable("global_step", TInt64.class);
      expected.put("global_step", new StoredTensor(DataType.DT_INT64, new long[0]));
      f.variable("ema.decay", TFloat64.class, 1);
      expected.put("ema.decay", new StoredTensor(DataType.DT_DOUBLE, new long[] {1}));
      f.variable("lookup.ids", TInt32.class, 2, 5);
      expected.put("lookup.ids", new StoredTensor(DataType.DT_INT32, new long[] {2, 5}));
      f.variable("mask.bits", TBool.class, 3);
      expected.put("mask.bits", new StoredTensor(DataType.DT_BOOL, new long[] {3}));
      f.variable("palette", TUint8.class, 4, 3);
      expected.put("palette", new StoredTensor(DataType.DT_UINT8, new long[] {4, 3}));
      for (int i = 0; i < LAYERS; i++) {
        String name = "backbone.encoder.stage" + (i % 4) + ".block" + i + ".conv.weight";
        long[] dims = {3, 3, 1 + i % 3, 2};
        f.variable(name, TFloat32.class, dims);
        expected.put(name, new StoredTensor(DataType.DT_FLOAT, dims));
      }
      f.save(prefix);
    }
    TensorBundleIndex index = TensorBundleIndex.ofPrefix(prefix);

    assertEquals(expected, new TreeMap<>(index.tensors()));
    assertArrayEquals(new long[0], index.tensors().get("global_step").shape());
    // TensorFlow's table writer closes a data block once it reaches 4 KiB: a bigger index has several.
    assertTrue(size(index.file()) > 3 * 4096, "index of " + size(index.file()) + " bytes");
    assertEquals(dir.resolve("variables.index"), index.file());
  }

  @Test
  void aTruncatedIndexIsAnErrorNamingTheFile() throws IOException {
    Path index = smallBundle().resolveSibling("variables.index");
    byte[] bytes = Files.readAllBytes(index);
    Files.write(index, Arrays.copyOf(bytes, bytes.length - 7));

    DelineoException e = assertThrows(DelineoException.class, () -> TensorBundleIndex.read(index));
    assertTrue(e.getMessage().contains(index.toString()) && e.getMessage().contains("truncated or corrupt"),
        e.getMessage());
  }

  @Test
  void aCorruptBlockIsAnErrorNamingTheFile() throws IOException {
    Path index = smallBundle().resolveSibling("variables.index");
    byte[] bytes = Files.readAllBytes(index);
    bytes[2] ^= 0x40; // inside the first data block (it starts at offset 0)
    Files.write(index, bytes);

    DelineoException e = assertThrows(DelineoException.class, () -> TensorBundleIndex.read(index));
    assertTrue(e.getMessage().contains(index.toString()) && e.getMessage().contains("CRC"), e.getMessage());
  }

  @Test
  void aMissingOrTinyIndexIsAnErrorNamingTheFile() throws IOException {
    Path missing = dir.resolve("nothing.index");
    assertTrue(assertThrows(DelineoException.class, () -> TensorBundleIndex.read(missing))
        .getMessage().contains(missing.toString()));
    Path tiny = Files.writeString(dir.resolve("tiny.index"), "not a table");
    assertTrue(assertThrows(DelineoException.class, () -> TensorBundleIndex.read(tiny))
        .getMessage().contains(tiny.toString()));
  }

  private Path smallBundle() {
    Path prefix = dir.resolve("variables");
    try (Graph g = new Graph()) {
      new BundleFixture(g).variable("a", TFloat32.class, 2, 3).variable("b", TInt64.class).save(prefix);
    }
    return prefix;
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * A block marked as compressed (here the index block, found through the footer, with its CRC
   * recomputed so only the type differs) is refused by name rather than misread.
   */
  @Test
  void aCompressedBlockIsRefusedNamingTheFile() throws IOException {
    Path index = smallBundle().resolveSibling("variables.index");
    ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(index)).order(ByteOrder.LITTLE_ENDIAN);
    int[] pos = {bytes.limit() - 48};
    varint(bytes, pos); // meta-index offset
    varint(bytes, pos); // meta-index size
    int offset = (int) varint(bytes, pos);
    int size = (int) varint(bytes, pos);
    bytes.put(offset + size, (byte) 1); // snappy
    CRC32C crc = new CRC32C();
    crc.update(bytes.array(), offset, size + 1);
    int c = (int) crc.getValue();
    bytes.putInt(offset + size + 1, ((c >>> 15) | (c << 17)) + 0xa282ead8);
    Files.write(index, bytes.array());

    String msg = assertThrows(DelineoException.class, () -> TensorBundleIndex.read(index)).getMessage();
    assertTrue(msg.contains(index.toString()) && msg.contains("compressed"), msg);
  }

  private static long varint(ByteBuffer b, int[] pos) {
    long v = 0;
    for (int shift = 0; ; shift += 7) {
      byte x = b.get(pos[0]++);
      v |= (long) (x & 0x7f) << shift;
      if (x >= 0) {
        return v;
      }
    }
  }
}
