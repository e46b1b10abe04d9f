package org.delineo.training.data.io;

import static org.delineo.training.data.io.NiftiHeaderLayout.*;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Reads single-file NIfTI-1 images ({@code .nii}, and {@code .nii.gz} gzip-compressed) into a
 * {@link NiftiVolume}.
 *
 * <p>Supported: little- and big-endian files (detected from {@code sizeof_hdr}), magic {@code
 * n+1}, 1 to 4 dimensions (trailing singleton dimensions beyond the 4th are dropped), datatypes
 * uint8, int8, int16, uint16, int32, float32 and float64 (int32 and float64 values are converted to
 * float32, losing precision beyond 24 bits). {@code vox_offset} is respected, extensions are
 * skipped. When {@code scl_slope} is non-zero and finite, every value becomes {@code raw * scl_slope
 * + scl_inter}; a zero slope means no scaling (the NIfTI rule).
 *
 * <p>Geometry: {@code spacing} is {@code pixdim[1..ndim]} with negative values taken as their
 * magnitude and zero or non-finite values as 1. The affine comes from the sform rows when {@code
 * sform_code > 0}, else from the qform quaternion (with {@code qfac = pixdim[0]}) when {@code
 * qform_code > 0}, else diag(spacing).
 *
 * <p>A file whose name ends in {@code .gz} must be gzip data; a {@code .nii} whose content is gzip
 * is decompressed too. Every problem (missing, truncated, corrupt, unsupported) is reported as a
 * {@link DataFileException} naming the file.
 */
public final class NiftiReader {

  /** Names of the NIfTI datatypes Delineo does not read, so the error can say what was found. */
  private static final Map<Integer, String> UNSUPPORTED_NAMES =
      Map.of(
          1, "binary",
          32, "complex64",
          128, "rgb24",
          768, "uint32",
          1024, "int64",
          1280, "uint64",
          1536, "float128",
          1792, "complex128",
          2048, "complex256",
          2304, "rgba32");

  private NiftiReader() {}

  /**
   * Reads a NIfTI-1 file.
   *
   * @throws DataFileException naming the file when it is missing, truncated, corrupt or unsupported
   */
  public static NiftiVolume read(Path file) {
    byte[] bytes = readMaybeGzipped(file);
    return parse(file, bytes);
  }

  /** Reads the file, gunzipping it when the name ends in .gz or the content starts like gzip. */
  static byte[] readMaybeGzipped(Path file) {
    byte[] raw;
    try {
      if (Files.size(file) > Integer.MAX_VALUE - 16) {
        throw new DataFileException(file, "file is larger than 2 GiB, which is not supported");
      }
      raw = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new DataFileException(file, "file not found", e);
    } catch (IOException e) {
      throw new DataFileException(file, "cannot read file: " + e, e);
    }
    boolean gzipName = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz");
    boolean gzipMagic = raw.length >= 2 && raw[0] == (byte) 0x1f && raw[1] == (byte) 0x8b;
    if (gzipName && !gzipMagic) {
      throw new DataFileException(
          file, "name ends in .gz but the content is not gzip (expected first bytes 1f 8b, found "
              + hexPrefix(raw, 4) + ")");
    }
    if (!gzipMagic) {
      return raw;
    }
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new DataFileException(file, "corrupt or truncated gzip data: " + e.getMessage(), e);
    }
  }

  static NiftiVolume parse(Path file, byte[] bytes) {
    NiftiHeader h = header(file, bytes);
    ByteBuffer header = ByteBuffer.wrap(bytes).order(h.order());
    int[] dims = h.dims();
    double[] spacing = new double[dims.length];
    for (int i = 0; i < dims.length; i++) {
      spacing[i] = cleanSpacing(header.getFloat(PIXDIM + 4 * (i + 1)));
    }
    requireData(file, h, bytes.length);

    float[] data = decode(bytes, (int) h.voxOffset(), (int) h.voxels(), h.datatype(), h.order());
    float slope = header.getFloat(SCL_SLOPE);
    float inter = header.getFloat(SCL_INTER);
    applyScaling(data, slope, inter);

    double[][] affine = affine(header, spacing);
    return new NiftiVolume(data, dims, spacing, affine, h.datatype().code(), slope, inter);
  }

  /**
   * Checks a file without decoding its voxels: the header (read from the first decompressed bytes
   * of a {@code .nii.gz}) and the size the data need. A {@code .nii} must hold at least {@code
   * vox_offset + voxels × bytes}; for gzip data the trailer's ISIZE (the uncompressed size modulo
   * 2^32, the last 4 bytes) must equal that size, which a truncated or padded download breaks. Only
   * when it does not is the file inflated (without keeping the data), so that a file of several
   * gzip members, whose trailer counts the last member alone, is not rejected.
   *
   * @throws DataFileException naming the file when it is missing, its header is invalid or
   *     unsupported, or its size does not fit the header
   */
  public static NiftiHeader readHeader(Path file) {
    byte[] head;
    long fileSize;
    try (var channel = java.nio.channels.FileChannel.open(file)) {
      fileSize = channel.size();
      ByteBuffer first = ByteBuffer.allocate((int) Math.min(fileSize, HEADER_SIZE));
      while (first.hasRemaining() && channel.read(first) >= 0) {
        // Read until the header is complete or the file ends.
      }
      head = first.array();
      boolean gzipName = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz");
      boolean gzipMagic = head.length >= 2 && head[0] == (byte) 0x1f && head[1] == (byte) 0x8b;
      if (gzipName && !gzipMagic) {
        throw new DataFileException(
            file, "name ends in .gz but the content is not gzip (expected first bytes 1f 8b, found "
                + hexPrefix(head, 4) + ")");
      }
      if (!gzipMagic) {
        NiftiHeader h = header(file, head);
        requireData(file, h, fileSize);
        return h;
      }
      if (fileSize < 18) {
        throw new DataFileException(file, "truncated gzip data: " + fileSize + " bytes");
      }
      ByteBuffer trailer = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
      channel.read(trailer, fileSize - 4);
      long isize = trailer.getInt(0) & 0xFFFFFFFFL;
      NiftiHeader h = header(file, gunzipPrefix(file));
      long expected = h.voxOffset() + h.voxels() * h.datatype().bytes();
      // ISIZE describes only the last gzip member; a concatenated file is confirmed by inflating it.
      if (isize != (expected & 0xFFFFFFFFL) && gunzippedSize(file) != expected) {
        throw new DataFileException(file, "truncated or corrupt gzip data: the trailer gives "
            + isize + " uncompressed bytes, the header needs " + expected + " (vox_offset "
            + h.voxOffset() + " + " + h.voxels() + " voxels × " + h.datatype().bytes() + " bytes)");
      }
      return h;
    } catch (NoSuchFileException e) {
      throw new DataFileException(file, "file not found", e);
    } catch (IOException e) {
      throw new DataFileException(file, "cannot read file: " + e, e);
    }
  }

  /** The decompressed size of the whole file, or -1 when its gzip data are corrupt or cut short. */
  private static long gunzippedSize(Path file) {
    try (GZIPInputStream in = new GZIPInputStream(Files.newInputStream(file))) {
      return in.transferTo(java.io.OutputStream.nullOutputStream());
    } catch (IOException e) {
      return -1;
    }
  }

  /** The first {@link NiftiHeaderLayout#HEADER_SIZE} decompressed bytes (fewer if the data end). */
  private static byte[] gunzipPrefix(Path file) {
    try (GZIPInputStream in = new GZIPInputStream(Files.newInputStream(file))) {
      return in.readNBytes(HEADER_SIZE);
    } catch (IOException e) {
      throw new DataFileException(file, "corrupt or truncated gzip data: " + e.getMessage(), e);
    }
  }

  /** Parses and checks the 348-byte header; voxels are not touched. */
  private static NiftiHeader header(Path file, byte[] bytes) {
    if (bytes.length < HEADER_SIZE) {
      throw new DataFileException(
          file, "truncated header: expected at least " + HEADER_SIZE + " bytes, found "
              + bytes.length);
    }
    ByteBuffer header = ByteBuffer.wrap(bytes).order(byteOrder(file, bytes));
    checkMagic(file, bytes);

    int[] dims = dims(file, header);
    NiftiDatatype type = datatype(file, header);
    long voxels = 1;
    for (int d : dims) {
      voxels *= d;
    }
    long dataBytes = voxels * type.bytes();
    float voxOffsetField = header.getFloat(VOX_OFFSET);
    if (!(voxOffsetField >= HEADER_SIZE) || voxOffsetField > Integer.MAX_VALUE) {
      throw new DataFileException(
          file, "vox_offset " + voxOffsetField + " is invalid: expected at least " + HEADER_SIZE
              + " (data must follow the header)");
    }
    long offset = (long) voxOffsetField;
    if (voxels > Integer.MAX_VALUE - 16 || offset + dataBytes > Integer.MAX_VALUE - 16) {
      throw new DataFileException(
          file, "volume of " + voxels + " voxels is too large (more than 2 GiB of data)");
    }
    return new NiftiHeader(dims, type, offset, header.order());
  }

  /** Fails unless {@code available} bytes hold the header's data. */
  private static void requireData(Path file, NiftiHeader h, long available) {
    long expected = h.voxOffset() + h.voxels() * h.datatype().bytes();
    if (available < expected) {
      throw new DataFileException(
          file, "truncated data: expected " + expected + " bytes (vox_offset " + h.voxOffset()
              + " + " + h.voxels() + " voxels × " + h.datatype().bytes() + " bytes), found "
              + available);
    }
  }

  private static ByteOrder byteOrder(Path file, byte[] bytes) {
    int little = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(SIZEOF_HDR);
    int big = Integer.reverseBytes(little);
    if (little == HEADER_SIZE) {
      return ByteOrder.LITTLE_ENDIAN;
    }
    if (big == HEADER_SIZE) {
      return ByteOrder.BIG_ENDIAN;
    }
    if (little == 540 || big == 540) {
      throw new DataFileException(file, "is a NIfTI-2 file (sizeof_hdr 540); only NIfTI-1 is"
          + " supported");
    }
    throw new DataFileException(
        file, "bad sizeof_hdr: expected 348, found " + little + " (little-endian) / " + big
            + " (big-endian); not a NIfTI-1 file");
  }

  private static void checkMagic(Path file, byte[] bytes) {
    byte[] magic = Arrays.copyOfRange(bytes, MAGIC, MAGIC + 4);
    if (magic[0] == 'n' && magic[1] == '+' && magic[2] == '1' && magic[3] == 0) {
      return;
    }
    if (magic[0] == 'n' && magic[1] == 'i' && magic[2] == '1' && magic[3] == 0) {
      throw new DataFileException(
          file, "magic \"ni1\" marks a .hdr/.img pair; only single-file NIfTI (magic \"n+1\") is"
              + " supported");
    }
    throw new DataFileException(
        file, "bad magic: expected \"n+1\\0\" at byte 344, found " + printable(magic));
  }

  private static int[] dims(Path file, ByteBuffer header) {
    short[] dim = new short[8];
    for (int i = 0; i < 8; i++) {
      dim[i] = header.getShort(DIM + 2 * i);
    }
    int ndim = dim[0];
    if (ndim < 1 || ndim > 7) {
      throw new DataFileException(
          file, "dim[0] = " + ndim + " is out of range: expected 1 to 4 dimensions");
    }
    // Some writers declare 5-D images whose extra dimensions are all 1; those are still 1-4 D.
    while (ndim > 4 && dim[ndim] == 1) {
      ndim--;
    }
    if (ndim > 4) {
      throw new DataFileException(
          file, "dim[0] = " + dim[0] + " with sizes " + Arrays.toString(Arrays.copyOfRange(dim, 1,
              dim[0] + 1)) + ": at most 4 dimensions are supported");
    }
    int[] dims = new int[ndim];
    for (int i = 0; i < ndim; i++) {
      dims[i] = dim[i + 1];
      if (dims[i] < 1) {
        throw new DataFileException(
            file, "dim[" + (i + 1) + "] = " + dims[i] + " is out of range: expected a size >= 1");
      }
    }
    return dims;
  }

  private static NiftiDatatype datatype(Path file, ByteBuffer header) {
    short code = header.getShort(DATATYPE);
    NiftiDatatype type = NiftiDatatype.fromCode(code);
    if (type == null) {
      String name = UNSUPPORTED_NAMES.getOrDefault((int) code, "unknown");
      throw new DataFileException(
          file, "unsupported datatype " + code + " (" + name + "); supported: "
              + NiftiDatatype.supportedList());
    }
    return type;
  }

  private static float[] decode(
      byte[] bytes, int offset, int voxels, NiftiDatatype type, ByteOrder order) {
    ByteBuffer buf =
        ByteBuffer.wrap(bytes, offset, voxels * type.bytes()).slice().order(order);
    float[] out = new float[voxels];
    switch (type) {
      case UINT8 -> {
        for (int i = 0; i < voxels; i++) {
          out[i] = bytes[offset + i] & 0xFF;
        }
      }
      case INT8 -> {
        for (int i = 0; i < voxels; i++) {
          out[i] = bytes[offset + i];
        }
      }
      case INT16 -> {
        var s = buf.asShortBuffer();
        for (int i = 0; i < voxels; i++) {
          out[i] = s.get(i);
        }
      }
      case UINT16 -> {
        var s = buf.asShortBuffer();
        for (int i = 0; i < voxels; i++) {
          out[i] = s.get(i) & 0xFFFF;
        }
      }
      case INT32 -> {
        var s = buf.asIntBuffer();
        for (int i = 0; i < voxels; i++) {
          out[i] = s.get(i);
        }
      }
      case FLOAT32 -> buf.asFloatBuffer().get(out);
      case FLOAT64 -> {
        var s = buf.asDoubleBuffer();
        for (int i = 0; i < voxels; i++) {
          out[i] = (float) s.get(i);
        }
      }
    }
    return out;
  }

  private static void applyScaling(float[] data, float slope, float inter) {
    if (slope == 0f || !Float.isFinite(slope)) {
      return; // NIfTI: a zero slope means the stored values are the real values.
    }
    double b = Float.isFinite(inter) ? inter : 0.0;
    if (slope == 1f && b == 0.0) {
      return;
    }
    for (int i = 0; i < data.length; i++) {
      data[i] = (float) (data[i] * (double) slope + b);
    }
  }

  private static double[][] affine(ByteBuffer header, double[] spacing) {
    if (header.getShort(SFORM_CODE) > 0) {
      double[][] a = new double[4][4];
      for (int r = 0; r < 3; r++) {
        for (int c = 0; c < 4; c++) {
          a[r][c] = header.getFloat(SROW_X + 16 * r + 4 * c);
        }
      }
      a[3][3] = 1.0;
      return a;
    }
    double[] xyz = new double[3];
    for (int i = 0; i < 3; i++) {
      xyz[i] = i < spacing.length ? spacing[i] : cleanSpacing(header.getFloat(PIXDIM + 4 * (i + 1)));
    }
    if (header.getShort(QFORM_CODE) > 0) {
      double b = header.getFloat(QUATERN_B);
      double c = header.getFloat(QUATERN_B + 4);
      double d = header.getFloat(QUATERN_B + 8);
      float qfacField = header.getFloat(PIXDIM);
      double qfac = qfacField < 0 ? -1.0 : 1.0;
      double[][] r = NiftiQuaternion.toRotation(b, c, d);
      double[][] a = new double[4][4];
      for (int i = 0; i < 3; i++) {
        a[i][0] = r[i][0] * xyz[0];
        a[i][1] = r[i][1] * xyz[1];
        a[i][2] = r[i][2] * xyz[2] * qfac;
        a[i][3] = header.getFloat(QOFFSET_X + 4 * i);
      }
      a[3][3] = 1.0;
      return a;
    }
    return NiftiVolume.diagonalAffine(xyz);
  }

  private static double cleanSpacing(float pixdim) {
    if (!Float.isFinite(pixdim) || pixdim == 0f) {
      return 1.0;
    }
    return Math.abs(pixdim);
  }

  private static String printable(byte[] magic) {
    StringBuilder sb = new StringBuilder("\"");
    for (byte b : magic) {
      if (b >= 32 && b < 127) {
        sb.append((char) b);
      } else {
        sb.append(String.format("\\x%02x", b & 0xFF));
      }
    }
    return sb.append('"').toString();
  }

  private static String hexPrefix(byte[] raw, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(n, raw.length); i++) {
      if (i > 0) {
        sb.append(' ');
      }
      sb.append(String.format("%02x", raw[i] & 0xFF));
    }
    return raw.length == 0 ? "an empty file" : sb.toString();
  }
}
