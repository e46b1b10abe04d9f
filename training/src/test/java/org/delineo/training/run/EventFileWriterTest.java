package org.delineo.training.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Event;

/**
 * Reads event files back with a TFRecord parser written here (its own CRC32C masking), and
 * compares with bytes published outside this project.
 */
class EventFileWriterTest {

  /** The test's own masking: rotate right by 15 bits, add 0xa282ead8, modulo 2^32. */
  private static long masked(byte[] bytes, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, length);
    long c = crc.getValue();
    long rotated = ((c >>> 15) | (c << 17)) & 0xffffffffL;
    return (rotated + 0xa282ead8L) & 0xffffffffL;
  }

  /** Splits a TFRecord file into records, checking both CRCs of each. */
  private static List<byte[]> records(byte[] file) {
    List<byte[]> out = new ArrayList<>();
    ByteBuffer in = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    while (in.hasRemaining()) {
      int start = in.position();
      long length = in.getLong();
      long lengthCrc = in.getInt() & 0xffffffffL;
      assertEquals(masked(file, start, 8), lengthCrc, "length CRC of the record at " + start);
      byte[] data = new byte[(int) length];
      in.get(data);
      long dataCrc = in.getInt() & 0xffffffffL;
      assertEquals(masked(data, 0, data.length), dataCrc, "data CRC of the record at " + start);
      out.add(data);
    }
    return out;
  }

  @Test
  void knownCrcVectors() {
    // The CRC-32C check value of the ASCII digits 1..9 (RFC 3720 / iSCSI).
    CRC32C crc = new CRC32C();
    crc.update("123456789".getBytes(StandardCharsets.US_ASCII));
    assertEquals(0xE3069283L, crc.getValue());
    // Every TensorBoard file starting with a 24-byte version event begins with
    // 18 00 00 00 00 00 00 00 a3 7f 4b 22 (tensorflow event_file_loader_test.py RECORD):
    // the masked CRC32C of the little-endian length 24 is 0x224b7fa3.
    byte[] length24 = {0x18, 0, 0, 0, 0, 0, 0, 0};
    assertEquals(0x224b7fa3L, masked(length24, 0, 8));
    assertEquals(0x224b7fa3, TfRecordFraming.maskedCrc32c(length24, 0, 8));
  }

  /**
   * tensorboard_logger's test_real_log_value writes, with wall time 256.5, the version event and
   * scalars v/1 = 1.5 at step 1 and v/22 = 16.0 at step 2; its expected file bytes are below.
   */
  @Test
  void bytesEqualAnIndependentlyPublishedEventFile(@TempDir Path dir) throws Exception {
    byte[] expected = concat(
        bytes("18 00 00 00 00 00 00 00 a3 7f 4b 22 09 00 00 00 00 00 08 70 40 1a 0d"),
        "brain.Event:2".getBytes(StandardCharsets.US_ASCII),
        bytes("bc 98 21 2b"),
        bytes("19 00 00 00 00 00 00 00 8b f1 08 28 09 00 00 00 00 00 08 70 40 10 01 2a 0c 0a 0a 0a 03"),
        "v/1".getBytes(StandardCharsets.US_ASCII),
        bytes("15 00 00 c0 3f 2c ec c0 87"),
        bytes("1a 00 00 00 00 00 00 00 12 9b d8 2d 09 00 00 00 00 00 08 70 40 10 02 2a 0d 0a 0b 0a 04"),
        "v/22".getBytes(StandardCharsets.US_ASCII),
        bytes("15 00 00 80 41 8f a3 b6 88"));
    Path file;
    try (EventFileWriter writer = new EventFileWriter(dir, () -> 256.5, "testhost")) {
      writer.scalar("v/1", 1, 1.5);
      writer.scalar("v/22", 2, 16.0);
      file = writer.file();
    }
    assertEquals("events.out.tfevents.256.testhost", file.getFileName().toString());
    assertArrayEquals(expected, Files.readAllBytes(file));
  }

  @Test
  void scalarsParseBackAsEvents(@TempDir Path dir) throws Exception {
    double[] clock = {1_700_000_000.25};
    EventFileWriter writer = new EventFileWriter(dir.resolve("events"), () -> clock[0], "h");
    writer.scalar("train/loss", 1, 0.75);
    clock[0] += 2;
    writer.scalar("train/lr", 1, 0.01);
    writer.flush();
    // Flushed records are readable while the writer is still open, as TensorBoard reads them.
    assertEquals(3, records(Files.readAllBytes(writer.file())).size());
    writer.scalar("val/mIoU", 40, 55.5);
    writer.close();
    writer.close();

    List<byte[]> recs = records(Files.readAllBytes(writer.file()));
    assertEquals(4, recs.size());
    Event version = Event.parseFrom(recs.get(0));
    assertEquals("brain.Event:2", version.getFileVersion());
    assertEquals(1_700_000_000.25, version.getWallTime());
    Event loss = Event.parseFrom(recs.get(1));
    assertEquals(1, loss.getStep());
    assertEquals("train/loss", loss.getSummary().getValue(0).getTag());
    assertEquals(0.75f, loss.getSummary().getValue(0).getSimpleValue());
    Event lr = Event.parseFrom(recs.get(2));
    assertEquals(1_700_000_002.25, lr.getWallTime());
    assertEquals(0.01f, lr.getSummary().getValue(0).getSimpleValue());
    Event miou = Event.parseFrom(recs.get(3));
    assertEquals(40, miou.getStep());
    assertEquals("val/mIoU", miou.getSummary().getValue(0).getTag());
    assertEquals(55.5f, miou.getSummary().getValue(0).getSimpleValue());

    EventFileWriter second = new EventFileWriter(dir.resolve("events"), () -> clock[0] - 2, "h");
    second.close();
    assertTrue(!second.file().equals(writer.file()), "a second writer in the same second gets its own file");
  }

  /**
   * The restart marker, encoded by hand from event.proto: wall_time (field 1, double 256.5),
   * step (field 2, varint 5), session_log (field 7, length 2) holding status (field 1) START = 1.
   */
  @Test
  void sessionStartIsTensorBoardsRestartMarker(@TempDir Path dir) throws Exception {
    try (EventFileWriter writer = new EventFileWriter(dir, () -> 256.5, "testhost")) {
      writer.sessionStart(5);
      List<byte[]> recs = records(Files.readAllBytes(writer.file()));
      assertEquals(2, recs.size(), "after the version header, before any scalar");
      assertArrayEquals(bytes("09 00 00 00 00 00 08 70 40 10 05 3a 02 08 01"), recs.get(1));
    }
  }

  private static byte[] bytes(String hex) {
    String[] parts = hex.trim().split("\\s+");
    byte[] out = new byte[parts.length];
    for (int i = 0; i < parts.length; i++) {
      out[i] = (byte) Integer.parseInt(parts[i], 16);
    }
    return out;
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
