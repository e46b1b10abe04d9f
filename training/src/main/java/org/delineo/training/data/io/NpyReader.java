package org.delineo.training.data.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0) into an {@link NpyArray}.
 *
 * <p>Supported dtypes (either byte order, {@code <} or {@code >}): {@code f4}, {@code f8} (held as
 * float32), {@code i1}, {@code i2}, {@code i4}, {@code i8} (must fit int32), {@code u1}, {@code u2}
 * and {@code b1} (as 0/1). Only C-order arrays: {@code fortran_order: True} is rejected. Every
 * problem is reported as a {@link DataFileException} naming the file.
 */
public final class NpyReader {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR =
      Pattern.compile("['\"]descr['\"]\\s*:\\s*(['\"])(.*?)\\1");
  private static final Pattern FORTRAN =
      Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(True|False)");
  private static final Pattern SHAPE =
      Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");
  /** Largest header {@link #readShape} reads; real headers are well under a kilobyte. */
  private static final int MAX_HEADER_BYTES = 1 << 20;
  private static final String SUPPORTED = "<f4, <f8, <i1, <i2, <i4, <i8, |u1, <u2, |b1 (or >)";

  private NpyReader() {}

  /**
   * Reads a {@code .npy} file.
   *
   * @throws DataFileException naming the file when it is missing, truncated, corrupt, Fortran
   *     ordered or of an unsupported dtype
   */
  public static NpyArray read(Path file) {
    byte[] bytes;
    try {
      if (Files.size(file) > Integer.MAX_VALUE - 16) {
        throw new DataFileException(file, "file is larger than 2 GiB, which is not supported");
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new DataFileException(file, "file not found", e);
    } catch (IOException e) {
      throw new DataFileException(file, "cannot read file: " + e, e);
    }
    return parse(file, bytes);
  }

  static NpyArray parse(Path file, byte[] bytes) {
    Header h = header(file, bytes);
    requireData(file, h, bytes.length - h.dataStart());
    ByteBuffer data = ByteBuffer.wrap(bytes, (int) h.dataStart(), (int) h.dataBytes()).slice()
        .order(h.dtype().order);
    return decode(file, h.descr(), h.shape(), h.dtype(), data, (int) h.count());
  }

  /**
   * The shape of a {@code .npy} file, checked without decoding: its header is parsed as {@link
   * #read} does and the file must hold exactly the data the header describes.
   *
   * @throws DataFileException naming the file when it is missing, its header is corrupt or
   *     unsupported, or its size does not fit the header
   */
  public static int[] readShape(Path file) {
    try (var channel = java.nio.channels.FileChannel.open(file)) {
      long size = channel.size();
      // The header's length is in bytes 8-9 (version 1) or 8-11 (versions 2, 3); header() checks it.
      byte[] first = readPrefix(channel, 12);
      ByteBuffer le = ByteBuffer.wrap(first).order(ByteOrder.LITTLE_ENDIAN);
      long headerEnd = first.length;
      if (first.length >= 10 && first[6] == 1) {
        headerEnd = 10 + (le.getShort(8) & 0xFFFF);
      } else if (first.length >= 12) {
        headerEnd = 12 + (le.getInt(8) & 0xFFFFFFFFL);
      }
      byte[] whole = readPrefix(channel, (int) Math.min(headerEnd, MAX_HEADER_BYTES));
      Header h = header(file, whole);
      requireData(file, h, size - h.dataStart());
      return h.shape().clone();
    } catch (NoSuchFileException e) {
      throw new DataFileException(file, "file not found", e);
    } catch (IOException e) {
      throw new DataFileException(file, "cannot read file: " + e, e);
    }
  }

  /** Up to {@code n} bytes from the start of the file (fewer when it is shorter). */
  private static byte[] readPrefix(java.nio.channels.FileChannel channel, int n) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(n, channel.size()));
    while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) > 0) {
      // A file channel may return fewer bytes than asked; keep reading until full.
    }
    return buffer.array();
  }

  /** Parses and checks the magic and header dict; {@code bytes} need not hold the data. */
  private static Header header(Path file, byte[] bytes) {
    if (bytes.length >= 2 && bytes[0] == 'P' && bytes[1] == 'K') {
      throw new DataFileException(file, "is a zip archive (.npz?); only single .npy arrays are"
          + " supported");
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (bytes.length <= i || bytes[i] != MAGIC[i]) {
        throw new DataFileException(file, "bad magic: expected \\x93NUMPY at the start; not a"
            + " .npy file" + (bytes.length < MAGIC.length ? " (only " + bytes.length + " bytes)"
                : ""));
      }
    }
    if (bytes.length < 10) {
      throw new DataFileException(
          file, "truncated header: expected at least 10 bytes, found " + bytes.length);
    }
    int major = bytes[6] & 0xFF;
    int minor = bytes[7] & 0xFF;
    ByteBuffer le = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long headerLength;
    int headerStart;
    if (major == 1) {
      headerLength = le.getShort(8) & 0xFFFF;
      headerStart = 10;
    } else if (major == 2 || major == 3) {
      if (bytes.length < 12) {
        throw new DataFileException(
            file, "truncated header: expected at least 12 bytes, found " + bytes.length);
      }
      headerLength = le.getInt(8) & 0xFFFFFFFFL;
      headerStart = 12;
    } else {
      throw new DataFileException(file, "unsupported .npy format version " + major + "." + minor
          + " (supported: 1.0, 2.0, 3.0)");
    }
    long dataStart = headerStart + headerLength;
    if (bytes.length < dataStart) {
      throw new DataFileException(file, "truncated header: expected " + dataStart
          + " bytes of header, found " + bytes.length);
    }
    String header = new String(bytes, headerStart, (int) headerLength,
        major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1).trim();
    if (!header.startsWith("{")) {
      throw new DataFileException(file, "corrupt header: expected a Python dict literal, found \""
          + abbreviate(header) + "\"");
    }

    String descr = descr(file, header);
    Matcher fortran = FORTRAN.matcher(header);
    if (!fortran.find()) {
      throw new DataFileException(file, "corrupt header: no 'fortran_order' in \""
          + abbreviate(header) + "\"");
    }
    if (fortran.group(1).equals("True")) {
      throw new DataFileException(file, "fortran_order is True: only C-order arrays are supported"
          + " (save with np.ascontiguousarray)");
    }
    int[] shape = shape(file, header);
    Dtype dtype = Dtype.parse(descr);
    if (dtype == null) {
      throw new DataFileException(file, "unsupported dtype '" + descr + "'; supported: "
          + SUPPORTED);
    }

    long count = 1;
    for (int d : shape) {
      count *= d;
      if (count > Integer.MAX_VALUE) {
        throw new DataFileException(file, "array too large (more than 2^31 elements)");
      }
    }
    return new Header(descr, shape, dtype, dataStart, count);
  }

  /** Fails unless {@code found} bytes after the header are exactly the header's data. */
  private static void requireData(Path file, Header h, long found) {
    long expected = h.dataBytes();
    if (found < expected) {
      throw new DataFileException(file, "truncated data: expected " + expected + " bytes ("
          + h.count() + " elements × " + h.dtype().size + " bytes), found " + found);
    }
    if (found > expected) {
      throw new DataFileException(file, "corrupt file: expected " + expected + " bytes of data ("
          + h.count() + " elements × " + h.dtype().size + " bytes), found " + found);
    }
  }

  private static String descr(Path file, String header) {
    Matcher m = DESCR.matcher(header);
    if (m.find()) {
      return m.group(2);
    }
    if (header.matches("(?s).*['\"]descr['\"]\\s*:\\s*\\[.*")) {
      throw new DataFileException(file, "structured dtypes are not supported; supported: "
          + SUPPORTED);
    }
    throw new DataFileException(file, "corrupt header: no 'descr' in \"" + abbreviate(header)
        + "\"");
  }

  private static int[] shape(Path file, String header) {
    Matcher m = SHAPE.matcher(header);
    if (!m.find()) {
      throw new DataFileException(file, "corrupt header: no 'shape' tuple in \""
          + abbreviate(header) + "\"");
    }
    List<Integer> dims = new ArrayList<>();
    for (String part : m.group(1).split(",")) {
      String t = part.trim();
      if (t.endsWith("L")) {
        t = t.substring(0, t.length() - 1); // Python 2 long literal
      }
      if (t.isEmpty()) {
        continue;
      }
      long d;
      try {
        d = Long.parseLong(t);
      } catch (NumberFormatException e) {
        throw new DataFileException(file, "corrupt header: shape entry '" + t
            + "' is not an integer", e);
      }
      if (d < 0 || d > Integer.MAX_VALUE) {
        throw new DataFileException(file, "corrupt header: shape entry " + d + " out of range");
      }
      dims.add((int) d);
    }
    return dims.stream().mapToInt(Integer::intValue).toArray();
  }

  private static NpyArray decode(
      Path file, String descr, int[] shape, Dtype dtype, ByteBuffer data, int n) {
    switch (dtype.kind) {
      case 'f' -> {
        float[] out = new float[n];
        if (dtype.size == 4) {
          data.asFloatBuffer().get(out);
        } else {
          var d = data.asDoubleBuffer();
          for (int i = 0; i < n; i++) {
            out[i] = (float) d.get(i);
          }
        }
        return new NpyArray(descr, shape, out, null);
      }
      default -> {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
          out[i] = switch (dtype.kind * 16 + dtype.size) {
            case 'b' * 16 + 1 -> data.get(i) != 0 ? 1 : 0;
            case 'u' * 16 + 1 -> data.get(i) & 0xFF;
            case 'i' * 16 + 1 -> data.get(i);
            case 'u' * 16 + 2 -> data.getShort(2 * i) & 0xFFFF;
            case 'i' * 16 + 2 -> data.getShort(2 * i);
            case 'i' * 16 + 4 -> data.getInt(4 * i);
            default -> {
              long v = data.getLong(8 * i);
              if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                throw new DataFileException(file, "int64 value " + v + " at index " + i
                    + " does not fit int32");
              }
              yield (int) v;
            }
          };
        }
        return new NpyArray(descr, shape, null, out);
      }
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 120 ? s : s.substring(0, 120) + "...";
  }

  /** A parsed header: dtype, shape and where the data start. */
  private record Header(String descr, int[] shape, Dtype dtype, long dataStart, long count) {
    long dataBytes() {
      return count * dtype.size;
    }
  }

  /** A parsed dtype descriptor: byte order, kind letter and item size. */
  private record Dtype(ByteOrder order, char kind, int size) {
    static Dtype parse(String descr) {
      if (descr.length() != 3) {
        return null;
      }
      char endian = descr.charAt(0);
      char kind = descr.charAt(1);
      int size = descr.charAt(2) - '0';
      boolean supported =
          switch (kind) {
            case 'f' -> size == 4 || size == 8;
            case 'i' -> size == 1 || size == 2 || size == 4 || size == 8;
            case 'u' -> size == 1 || size == 2;
            case 'b' -> size == 1;
            default -> false;
          };
      if (!supported) {
        return null;
      }
      ByteOrder order;
      if (endian == '<' || (endian == '|' && size == 1)) {
        order = ByteOrder.LITTLE_ENDIAN;
      } else if (endian == '>') {
        order = ByteOrder.BIG_ENDIAN;
      } else {
        return null;
      }
      return new Dtype(order, kind, size);
    }
  }
}
