package org.delineo.serving;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Writes records in TensorFlow's TFRecord framing (serving-and-ecosystem.md §1.5), the container
 * of TF Serving's warm-up file. Per record, little-endian: {@code uint64} data length, masked
 * CRC32C of those 8 bytes, the data, masked CRC32C of the data.
 */
public final class TfRecordWriter implements Closeable {
  /** Added after rotating the CRC; TensorFlow masks stored CRCs so CRCs of CRCs stay robust. */
  private static final int MASK_DELTA = 0xa282ead8;

  private final OutputStream out;

  /** Writes to {@code out}; closing this writer closes it. */
  public TfRecordWriter(OutputStream out) {
    this.out = Objects.requireNonNull(out, "out");
  }

  /** Appends one record holding {@code data}. */
  public void write(byte[] data) throws IOException {
    ByteBuffer head = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(data.length);
    head.putInt(maskedCrc32c(head.array(), 0, 8));
    ByteBuffer tail = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    tail.putInt(maskedCrc32c(data, 0, data.length));
    out.write(head.array());
    out.write(data);
    out.write(tail.array());
  }

  /** TensorFlow's masked CRC32C of {@code len} bytes of {@code bytes} from {@code off}. */
  public static int maskedCrc32c(byte[] bytes, int off, int len) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, off, len);
    int c = (int) crc.getValue();
    return ((c >>> 15) | (c << 17)) + MASK_DELTA;
  }

  @Override
  public void close() throws IOException {
    out.close();
  }
}
