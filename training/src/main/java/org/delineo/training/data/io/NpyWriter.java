package org.delineo.training.data.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.delineo.graph.io.SafeFiles;

/**
 * Writes an {@link NpyArray} as a NumPy {@code .npy} file, format 1.0, C order: float data as
 * {@code <f4}, int data as {@code <i4} (whatever dtype the array was read with). The header is
 * padded with spaces and a newline to a multiple of 64 bytes, as NumPy does. The write is atomic.
 */
public final class NpyWriter {
  private static final int ALIGNMENT = 64;
  private static final int PREAMBLE = 10; // magic (6) + version (2) + header length (2)

  private NpyWriter() {}

  /**
   * Writes {@code array} to {@code file}.
   *
   * @throws DataFileException naming the file when the write fails
   */
  public static void write(Path file, NpyArray array) {
    String descr = array.isFloat() ? "<f4" : "<i4";
    StringBuilder dict = new StringBuilder("{'descr': '").append(descr)
        .append("', 'fortran_order': False, 'shape': (");
    int[] shape = array.shape();
    for (int i = 0; i < shape.length; i++) {
      dict.append(i == 0 ? "" : ", ").append(shape[i]);
    }
    dict.append(shape.length == 1 ? ",), }" : "), }");
    // Pad so that the data starts on a 64-byte boundary; the header ends with '\n'.
    int unpadded = PREAMBLE + dict.length() + 1;
    int padding = (ALIGNMENT - unpadded % ALIGNMENT) % ALIGNMENT;
    dict.append(" ".repeat(padding)).append('\n');
    byte[] header = dict.toString().getBytes(StandardCharsets.ISO_8859_1);
    if (header.length > 0xFFFF) {
      throw new DataFileException(file, "header of " + header.length
          + " bytes is too long for .npy format 1.0");
    }

    int n = array.size();
    if (PREAMBLE + header.length + 4L * n > Integer.MAX_VALUE - 16) {
      throw new DataFileException(file, "array of " + n + " elements is too large (over 2 GiB)");
    }
    ByteBuffer buf = ByteBuffer.allocate(PREAMBLE + header.length + 4 * n)
        .order(ByteOrder.LITTLE_ENDIAN);
    buf.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII));
    buf.put((byte) 1).put((byte) 0);
    buf.putShort((short) header.length);
    buf.put(header);
    if (array.isFloat()) {
      buf.asFloatBuffer().put(array.floatData());
    } else {
      buf.asIntBuffer().put(array.intData());
    }
    try {
      SafeFiles.durable().write(file, buf.array());
    } catch (IOException e) {
      throw new DataFileException(file, "cannot write file: " + e, e);
    }
  }
}
