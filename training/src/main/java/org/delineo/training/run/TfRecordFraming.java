package org.delineo.training.run;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * TFRecord framing, the container of TensorBoard event files: for each record, the data length
 * as little-endian uint64, the masked CRC32C of those 8 bytes (uint32 LE), the data, and the
 * masked CRC32C of the data (uint32 LE).
 */
final class TfRecordFraming {
  /** Added after rotating, so a CRC of data that itself holds CRCs does not look trivially valid. */
  private static final int MASK_DELTA = 0xa282ead8;

  private TfRecordFraming() {}

  /** One framed record holding {@code data}. */
  static byte[] frame(byte[] data) {
    ByteBuffer out = ByteBuffer.allocate(8 + 4 + data.length + 4).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(data.length);
    out.putInt(maskedCrc32c(out.array(), 0, 8));
    out.put(data);
    out.putInt(maskedCrc32c(data, 0, data.length));
    return out.array();
  }

  /** TensorFlow's masked CRC32C: {@code ((crc >>> 15) | (crc << 17)) + 0xa282ead8} mod 2^32. */
  static int maskedCrc32c(byte[] bytes, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, length);
    int c = (int) crc.getValue();
    return ((c >>> 15) | (c << 17)) + MASK_DELTA;
  }
}
