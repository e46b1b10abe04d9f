package org.delineo.training.data.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads ITK MetaImage volumes: a text header ({@code .mhd}) of {@code Key = Value} lines and the
 * element data, either in a separate file named by {@code ElementDataFile} (relative to the
 * header's folder) or, with {@code ElementDataFile = LOCAL}, right after the header in the same
 * file (a {@code .mha}).
 *
 * <p>Supported keys: {@code ObjectType} (must be {@code Image} when present), {@code NDims},
 * {@code DimSize}, {@code ElementSpacing} / {@code ElementSize}, {@code ElementType} ({@code
 * MET_UCHAR, MET_CHAR, MET_SHORT, MET_USHORT, MET_INT, MET_UINT, MET_FLOAT, MET_DOUBLE}), {@code
 * ElementNumberOfChannels} (must be 1), {@code BinaryDataByteOrderMSB} / {@code
 * ElementByteOrderMSB} (default little-endian), {@code CompressedData} (zlib stream, inflated with
 * {@link Inflater}), {@code HeaderSize} (bytes skipped in the data file; -1 = the data are the
 * file's last bytes), {@code Offset} / {@code Position}, {@code TransformMatrix} / {@code
 * Orientation}. Other keys are ignored. Keys are matched case-insensitively. Every problem is a
 * {@link DataFileException} naming the file at fault (header or data file).
 */
public final class MetaImageReader {

  private MetaImageReader() {}

  /**
   * Reads a MetaImage header and its data.
   *
   * @throws DataFileException naming the file when a file is missing, a key is missing or
   *     malformed, the element type is unsupported, or the data are shorter than the header says
   */
  public static MetaImage read(Path header) {
    byte[] headerBytes = readAll(header);
    int[] dataStart = new int[1];
    Map<String, String> keys = parseHeader(header, headerBytes, dataStart);
    String objectType = keys.get("objecttype");
    if (objectType != null && !objectType.equalsIgnoreCase("Image")) {
      throw new DataFileException(header, "ObjectType must be Image, found " + objectType);
    }
    int[] dims = dimSize(header, keys);
    int ndims = dims.length;
    long count = count(dims);
    String channels = keys.get("elementnumberofchannels");
    if (channels != null && parseInt(header, "ElementNumberOfChannels", channels) != 1) {
      throw new DataFileException(header, "expected ElementNumberOfChannels = 1, found " + channels);
    }
    String type = require(header, keys, "elementtype", "ElementType").toUpperCase(Locale.ROOT);
    int bytesPer = bytesPerElement(header, type);
    double[] spacing = keys.containsKey("elementspacing") ? doubles(header, keys, "elementspacing", ndims)
        : keys.containsKey("elementsize") ? doubles(header, keys, "elementsize", ndims)
        : filled(ndims, 1.0);
    double[] offset = keys.containsKey("offset") ? doubles(header, keys, "offset", ndims)
        : keys.containsKey("position") ? doubles(header, keys, "position", ndims)
        : new double[ndims];
    double[] matrix = keys.containsKey("transformmatrix")
        ? doubles(header, keys, "transformmatrix", ndims * ndims)
        : keys.containsKey("orientation") ? doubles(header, keys, "orientation", ndims * ndims)
        : identity(ndims);
    boolean msb = bool(keys.getOrDefault("binarydatabyteordermsb",
        keys.getOrDefault("elementbyteordermsb", "False")));
    boolean compressed = bool(keys.getOrDefault("compresseddata", "False"));

    String dataName = require(header, keys, "elementdatafile", "ElementDataFile");
    Path dataFile;
    byte[] stored;
    if (dataName.equalsIgnoreCase("LOCAL")) {
      dataFile = header;
      stored = Arrays.copyOfRange(headerBytes, dataStart[0], headerBytes.length);
    } else if (dataName.equalsIgnoreCase("LIST") || dataName.contains("%")) {
      throw new DataFileException(header, "ElementDataFile = " + dataName
          + ": a list of slice files is not supported (expected one data file or LOCAL)");
    } else {
      Path parent = header.toAbsolutePath().getParent();
      dataFile = parent.resolve(dataName);
      stored = readAll(dataFile);
    }
    long expected = count * bytesPer;
    byte[] raw = compressed ? inflate(dataFile, stored, expected)
        : skipHeader(dataFile, stored, keys, header, expected);
    if (raw.length < expected) {
      throw new DataFileException(dataFile, (compressed ? "truncated compressed data: inflates to "
          : "truncated data: found ") + raw.length + " bytes, expected " + expected + " ("
          + Arrays.toString(dims) + " x " + bytesPer + " bytes of " + type + ", header " + header
          + ")");
    }
    float[] data = decode(raw, (int) count, type, msb ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    return new MetaImage(header, dims, spacing, offset, matrix, type, data);
  }

  /**
   * The {@code DimSize} of a MetaImage (x first), checked without decoding: the header must parse,
   * its element type be supported, the data file exist and, for uncompressed data, hold at least
   * the bytes the header describes (after {@code HeaderSize}).
   *
   * @throws DataFileException naming the header or data file at fault
   */
  public static int[] readDimSize(Path header) {
    byte[] headerBytes = readAll(header);
    int[] dataStart = new int[1];
    Map<String, String> keys = parseHeader(header, headerBytes, dataStart);
    int[] dims = dimSize(header, keys);
    String type = require(header, keys, "elementtype", "ElementType").toUpperCase(Locale.ROOT);
    long expected = count(dims) * bytesPerElement(header, type);
    String dataName = require(header, keys, "elementdatafile", "ElementDataFile");
    Path dataFile = header;
    long stored = headerBytes.length - dataStart[0];
    if (!dataName.equalsIgnoreCase("LOCAL")) {
      dataFile = header.toAbsolutePath().getParent().resolve(dataName);
      try {
        stored = Files.size(dataFile);
      } catch (NoSuchFileException e) {
        throw new DataFileException(dataFile, "file not found (the data file of " + header + ")", e);
      } catch (IOException e) {
        throw new DataFileException(dataFile, "cannot read file: " + e, e);
      }
    }
    if (bool(keys.getOrDefault("compresseddata", "False"))) {
      return dims; // the inflated size is only known by inflating
    }
    String hs = keys.get("headersize");
    long skip = hs == null ? 0 : Math.max(0, parseInt(header, "HeaderSize", hs));
    if (stored - skip < expected) {
      throw new DataFileException(dataFile, "truncated data: found " + (stored - skip)
          + " bytes, expected " + expected + " (" + Arrays.toString(dims) + " of " + type
          + ", header " + header + ")");
    }
    return dims;
  }

  /** {@code DimSize}, checked against {@code NDims} and for sizes >= 1. */
  private static int[] dimSize(Path header, Map<String, String> keys) {
    int[] dims = ints(header, keys, "dimsize");
    int ndims = keys.containsKey("ndims") ? parseInt(header, "NDims", keys.get("ndims")) : dims.length;
    if (ndims != dims.length || ndims < 1) {
      throw new DataFileException(header, "NDims = " + ndims + " but DimSize has " + dims.length
          + " values " + Arrays.toString(dims));
    }
    for (int d : dims) {
      if (d < 1) {
        throw new DataFileException(header, "DimSize values must be >= 1, found "
            + Arrays.toString(dims));
      }
    }
    return dims;
  }

  private static long count(int[] dims) {
    long count = 1;
    for (int d : dims) {
      count *= d;
    }
    return count;
  }

  /** Parses the {@code Key = Value} lines up to and including ElementDataFile. */
  private static Map<String, String> parseHeader(Path header, byte[] bytes, int[] dataStart) {
    Map<String, String> keys = new LinkedHashMap<>();
    int pos = 0;
    int lineNo = 0;
    while (pos < bytes.length) {
      int end = pos;
      while (end < bytes.length && bytes[end] != '\n') {
        end++;
      }
      String line = new String(bytes, pos, end - pos, StandardCharsets.ISO_8859_1).trim();
      lineNo++;
      pos = Math.min(end + 1, bytes.length);
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        throw new DataFileException(header, "line " + lineNo + ": expected 'Key = Value', found '"
            + abbreviate(line) + "'");
      }
      String key = line.substring(0, eq).trim().toLowerCase(Locale.ROOT);
      keys.put(key, line.substring(eq + 1).trim());
      // ElementDataFile ends the header by definition; LOCAL data start right after its line.
      if (key.equals("elementdatafile")) {
        dataStart[0] = pos;
        return keys;
      }
    }
    throw new DataFileException(header, "missing ElementDataFile (the last key of a MetaImage header)");
  }

  private static byte[] skipHeader(Path dataFile, byte[] stored, Map<String, String> keys,
      Path header, long expected) {
    String hs = keys.get("headersize");
    if (hs == null) {
      return stored;
    }
    int skip = parseInt(header, "HeaderSize", hs);
    if (skip == -1) {
      // -1: the element data are the last bytes of the file, after a header of unknown size.
      return stored.length >= expected
          ? Arrays.copyOfRange(stored, (int) (stored.length - expected), stored.length) : stored;
    }
    if (skip < 0 || skip > stored.length) {
      throw new DataFileException(dataFile, "HeaderSize " + skip + " of " + header
          + " is outside the file's " + stored.length + " bytes");
    }
    return Arrays.copyOfRange(stored, skip, stored.length);
  }

  private static byte[] inflate(Path dataFile, byte[] stored, long expected) {
    if (expected > Integer.MAX_VALUE - 16) {
      throw new DataFileException(dataFile, "volume of " + expected + " bytes is larger than 2 GiB");
    }
    Inflater inflater = new Inflater();
    try {
      inflater.setInput(stored);
      byte[] out = new byte[(int) expected];
      int n = 0;
      while (n < out.length && !inflater.finished()) {
        int got = inflater.inflate(out, n, out.length - n);
        if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          break;
        }
        n += got;
      }
      return n == out.length ? out : Arrays.copyOf(out, n);
    } catch (DataFormatException e) {
      throw new DataFileException(dataFile, "CompressedData = True but the data are not a valid"
          + " zlib stream: " + e.getMessage(), e);
    } finally {
      inflater.end();
    }
  }

  private static float[] decode(byte[] raw, int count, String type, ByteOrder order) {
    ByteBuffer b = ByteBuffer.wrap(raw).order(order);
    float[] out = new float[count];
    for (int i = 0; i < count; i++) {
      out[i] = switch (type) {
        case "MET_UCHAR" -> b.get() & 0xFF;
        case "MET_CHAR" -> b.get();
        case "MET_SHORT" -> b.getShort();
        case "MET_USHORT" -> b.getShort() & 0xFFFF;
        case "MET_INT" -> b.getInt();
        case "MET_UINT" -> (float) (b.getInt() & 0xFFFFFFFFL);
        case "MET_FLOAT" -> b.getFloat();
        case "MET_DOUBLE" -> (float) b.getDouble();
        default -> throw new IllegalStateException(type);
      };
    }
    return out;
  }

  private static int bytesPerElement(Path header, String type) {
    return switch (type) {
      case "MET_UCHAR", "MET_CHAR" -> 1;
      case "MET_SHORT", "MET_USHORT" -> 2;
      case "MET_INT", "MET_UINT", "MET_FLOAT" -> 4;
      case "MET_DOUBLE" -> 8;
      default -> throw new DataFileException(header, "unsupported ElementType " + type
          + " (expected MET_UCHAR, MET_CHAR, MET_SHORT, MET_USHORT, MET_INT, MET_UINT, MET_FLOAT"
          + " or MET_DOUBLE)");
    };
  }

  private static byte[] readAll(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new DataFileException(file, "file not found", e);
    } catch (IOException e) {
      throw new DataFileException(file, "cannot read file: " + e, e);
    }
  }

  private static String require(Path header, Map<String, String> keys, String key, String name) {
    String v = keys.get(key);
    if (v == null || v.isEmpty()) {
      throw new DataFileException(header, "missing " + name);
    }
    return v;
  }

  private static int[] ints(Path header, Map<String, String> keys, String key) {
    String v = require(header, keys, key, "DimSize");
    String[] parts = v.trim().split("\\s+");
    int[] out = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      out[i] = parseInt(header, "DimSize", parts[i]);
    }
    return out;
  }

  private static double[] doubles(Path header, Map<String, String> keys, String key, int n) {
    String[] parts = keys.get(key).trim().split("\\s+");
    if (parts.length != n) {
      throw new DataFileException(header, key + ": expected " + n + " numbers, found "
          + parts.length + " ('" + keys.get(key) + "')");
    }
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      try {
        out[i] = Double.parseDouble(parts[i]);
      } catch (NumberFormatException e) {
        throw new DataFileException(header, key + ": expected a number, found '" + parts[i] + "'");
      }
    }
    return out;
  }

  private static int parseInt(Path header, String name, String v) {
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new DataFileException(header, name + ": expected an integer, found '" + v + "'");
    }
  }

  private static boolean bool(String v) {
    return v.trim().equalsIgnoreCase("true") || v.trim().equals("1");
  }

  private static double[] filled(int n, double v) {
    double[] out = new double[n];
    Arrays.fill(out, v);
    return out;
  }

  private static double[] identity(int n) {
    double[] out = new double[n * n];
    for (int i = 0; i < n; i++) {
      out[i * n + i] = 1;
    }
    return out;
  }

  private static String abbreviate(String s) {
    return s.length() > 60 ? s.substring(0, 60) + "..." : s;
  }
}
