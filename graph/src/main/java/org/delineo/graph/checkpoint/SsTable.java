package org.delineo.graph.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import org.delineo.graph.DelineoException;

/**
 * The key/value entries of a table in LevelDB's table format, the format of TensorFlow's
 * {@code tensorflow/core/lib/io/table} and so of a tensor bundle's {@code .index} file.
 *
 * <p>Layout: data blocks, a meta-index block, an index block, then a 48-byte footer (the
 * meta-index and index block handles as varint offset/size pairs, zero padding, and the 8-byte
 * magic number). The index block maps a separator key to each data block's handle. Every block is
 * followed by a 5-byte trailer: its compression type and a masked CRC-32C of the block and type.
 * A block holds prefix-compressed entries (shared key length, unshared length, value length as
 * varints, then the unshared key bytes and the value) followed by restart offsets (fixed32 each)
 * and their count; iterating from the start of the block needs no restarts. Only uncompressed
 * blocks are read: TensorFlow's bundle writer never compresses its index.
 */
final class SsTable {
  /** LevelDB's table magic number, written little-endian at the very end. */
  private static final long MAGIC = 0xdb4775248b80fb57L;
  private static final int FOOTER_SIZE = 48;
  private static final int TRAILER_SIZE = 5;
  private static final int NO_COMPRESSION = 0;
  /** Added to the rotated CRC so a CRC over data holding CRCs does not degenerate (LevelDB's mask). */
  private static final int CRC_MASK_DELTA = 0xa282ead8;

  /** One key/value pair of the table. */
  record Entry(byte[] key, byte[] value) {}

  private final String file;
  private final byte[] bytes;

  private SsTable(String file, byte[] bytes) {
    this.file = file;
    this.bytes = bytes;
  }

  /**
   * Every entry of the table held in {@code bytes}, in key order.
   *
   * @param file the file's name, for error messages
   * @throws DelineoException naming {@code file} when the table is truncated, corrupt or compressed
   */
  static List<Entry> entries(String file, byte[] bytes) {
    return new SsTable(file, bytes).readAll();
  }

  private List<Entry> readAll() {
    if (bytes.length < FOOTER_SIZE) {
      throw corrupt("expected at least the " + FOOTER_SIZE + "-byte table footer, found " + bytes.length + " bytes");
    }
    ByteBuffer footer = ByteBuffer.wrap(bytes, bytes.length - FOOTER_SIZE, FOOTER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
    long magic = footer.getLong(bytes.length - 8);
    if (magic != MAGIC) {
      throw corrupt("expected the table magic number " + Long.toHexString(MAGIC) + " at the end, found "
          + Long.toHexString(magic));
    }
    Cursor handles = new Cursor(bytes, bytes.length - FOOTER_SIZE, bytes.length - 8);
    readHandle(handles); // the meta-index: TensorFlow writes no meta blocks
    long[] index = readHandle(handles);
    List<Entry> out = new ArrayList<>();
    for (Entry dataBlock : block(index)) {
      out.addAll(block(readHandle(new Cursor(dataBlock.value(), 0, dataBlock.value().length))));
    }
    return out;
  }

  /** A block handle: offset and size as varints. */
  private long[] readHandle(Cursor c) {
    return new long[] {c.varint(), c.varint()};
  }

  /** The entries of the block at {@code handle}, after checking its trailer. */
  private List<Entry> block(long[] handle) {
    long offset = handle[0];
    long size = handle[1];
    if (offset < 0 || size < 4 || offset + size + TRAILER_SIZE > bytes.length - FOOTER_SIZE) {
      throw corrupt("block at offset " + offset + " of " + size + " bytes lies outside the file of "
          + bytes.length + " bytes");
    }
    int start = (int) offset;
    int end = start + (int) size;
    int type = bytes[end] & 0xff;
    if (type != NO_COMPRESSION) {
      throw corrupt("block at offset " + offset + " is compressed (type " + type
          + "); expected an uncompressed index as TensorFlow writes it");
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, start, (int) size + 1);
    int stored = ByteBuffer.wrap(bytes, end + 1, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    if (stored != mask((int) crc.getValue())) {
      throw corrupt("block at offset " + offset + " fails its CRC-32C check");
    }
    int restarts = ByteBuffer.wrap(bytes, end - 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    long entriesEnd = end - 4 - 4L * restarts;
    if (restarts < 0 || entriesEnd < start) {
      throw corrupt("block at offset " + offset + " claims " + restarts + " restart points, more than fit");
    }
    Cursor c = new Cursor(bytes, start, (int) entriesEnd);
    List<Entry> out = new ArrayList<>();
    byte[] key = new byte[0];
    while (c.remaining() > 0) {
      int shared = c.varint32();
      int unshared = c.varint32();
      int valueLength = c.varint32();
      if (shared > key.length) {
        throw corrupt("entry in block at offset " + offset + " shares " + shared
            + " key bytes with a previous key of " + key.length);
      }
      byte[] next = Arrays.copyOf(key, shared + unshared);
      System.arraycopy(c.take(unshared), 0, next, shared, unshared);
      key = next;
      out.add(new Entry(key, c.take(valueLength)));
    }
    return out;
  }

  private static int mask(int crc) {
    return ((crc >>> 15) | (crc << 17)) + CRC_MASK_DELTA;
  }

  private DelineoException corrupt(String what) {
    return new DelineoException("checkpoint index " + file + " is truncated or corrupt: " + what);
  }

  /** Reads varints and byte runs from {@code [pos, end)}, failing on a read past the end. */
  private final class Cursor {
    private final byte[] data;
    private int pos;
    private final int end;

    Cursor(byte[] data, int pos, int end) {
      this.data = data;
      this.pos = pos;
      this.end = end;
    }

    int remaining() {
      return end - pos;
    }

    long varint() {
      long value = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= end) {
          throw corrupt("a varint runs past the end of its block");
        }
        byte b = data[pos++];
        value |= (long) (b & 0x7f) << shift;
        if (b >= 0) {
          return value;
        }
      }
      throw corrupt("a varint is longer than 10 bytes");
    }

    int varint32() {
      long v = varint();
      if (v < 0 || v > Integer.MAX_VALUE) {
        throw corrupt("a length " + v + " does not fit the block");
      }
      return (int) v;
    }

    byte[] take(int n) {
      if (n > remaining()) {
        throw corrupt("an entry of " + n + " bytes runs past the end of its block");
      }
      byte[] out = Arrays.copyOfRange(data, pos, pos + n);
      pos += n;
      return out;
    }
  }
}
