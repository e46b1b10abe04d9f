package org.delineo.training.data.io;

import static org.delineo.training.data.io.NiftiHeaderLayout.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;
import org.delineo.graph.io.SafeFiles;

/**
 * Writes a {@link NiftiVolume} as a single-file NIfTI-1 image (little-endian, magic {@code n+1},
 * data at offset 352), gzip-compressed when the file name ends in {@code .gz}. The write is atomic
 * (temporary file in the same directory, then a rename).
 *
 * <p>Header: {@code dim} and {@code pixdim} from the volume, {@code sform_code} 1 with the
 * volume's affine as the sform rows; when the affine is a rotation times diag(spacing) (plus a
 * translation), the same transform is also stored as a qform quaternion with {@code qform_code} 1,
 * otherwise {@code qform_code} is 0. Units are mm (and seconds for a 4th axis).
 *
 * <p>Scaling: when the volume carries a non-zero {@code sclSlope}, its values are stored as {@code
 * (value - sclInter) / sclSlope} and the slope/intercept are written, so that reading the file
 * gives the values back; otherwise slope 1, intercept 0. For integer datatypes stored values are
 * rounded to the nearest integer and must fit the type's range.
 */
public final class NiftiWriter {

  /** Tolerance for deciding that the affine's 3×3 part is rotation × diag(spacing). */
  private static final double QFORM_TOLERANCE = 1e-4;

  private NiftiWriter() {}

  /** Writes {@code vol} with its own {@link NiftiVolume#datatype()}. */
  public static void write(Path file, NiftiVolume vol) {
    write(file, vol, vol.datatype());
  }

  /**
   * Writes {@code vol} storing voxels as {@code datatype} (a {@link NiftiDatatype} code).
   *
   * @throws DataFileException naming the file for an unsupported datatype, a value that does not fit
   *     an integer datatype, or an I/O failure
   */
  public static void write(Path file, NiftiVolume vol, short datatype) {
    NiftiDatatype type = NiftiDatatype.fromCode(datatype);
    if (type == null) {
      throw new DataFileException(
          file, "cannot write datatype " + datatype + "; supported: "
              + NiftiDatatype.supportedList());
    }
    for (int d : vol.dims()) {
      if (d > Short.MAX_VALUE) {
        throw new DataFileException(file, "NIfTI-1 dimensions are at most 32767, found " + d);
      }
    }
    long dataBytes = (long) vol.data().length * type.bytes();
    if (SINGLE_FILE_DATA_OFFSET + dataBytes > Integer.MAX_VALUE - 16) {
      throw new DataFileException(file, "volume too large to write (more than 2 GiB of data)");
    }
    ByteBuffer buf =
        ByteBuffer.allocate((int) (SINGLE_FILE_DATA_OFFSET + dataBytes))
            .order(ByteOrder.LITTLE_ENDIAN);
    boolean scaled = writeHeader(buf, vol, type);
    writeData(file, buf, vol, type, scaled);

    byte[] bytes = buf.array();
    boolean gzip = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz");
    try {
      SafeFiles.durable().write(
          file,
          out -> {
            if (gzip) {
              try (GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16)) {
                gz.write(bytes);
              }
            } else {
              out.write(bytes);
            }
          });
    } catch (IOException e) {
      throw new DataFileException(file, "cannot write file: " + e, e);
    }
  }

  /** Fills the 352 header bytes; returns whether values must be stored with slope/intercept. */
  private static boolean writeHeader(ByteBuffer buf, NiftiVolume vol, NiftiDatatype type) {
    int[] dims = vol.dims();
    buf.putInt(SIZEOF_HDR, HEADER_SIZE);
    buf.put(REGULAR, (byte) 'r');
    buf.putShort(DIM, (short) dims.length);
    for (int i = 1; i < 8; i++) {
      buf.putShort(DIM + 2 * i, (short) (i <= dims.length ? dims[i - 1] : 1));
    }
    buf.putShort(DATATYPE, type.code());
    buf.putShort(BITPIX, (short) (8 * type.bytes()));

    double[] xyz = new double[3];
    for (int i = 0; i < 3; i++) {
      xyz[i] = i < dims.length ? vol.spacing()[i] : 1.0;
    }
    Qform qform = qformOf(vol.affine(), xyz);
    buf.putFloat(PIXDIM, (float) qform.qfac);
    for (int i = 1; i < 8; i++) {
      buf.putFloat(PIXDIM + 4 * i, (float) (i <= dims.length ? vol.spacing()[i - 1] : 1.0));
    }
    buf.putFloat(VOX_OFFSET, SINGLE_FILE_DATA_OFFSET);

    float slope = vol.sclSlope();
    float inter = Float.isFinite(vol.sclInter()) ? vol.sclInter() : 0f;
    boolean scaled = slope != 0f && Float.isFinite(slope) && !(slope == 1f && inter == 0f);
    buf.putFloat(SCL_SLOPE, scaled ? slope : 1f);
    buf.putFloat(SCL_INTER, scaled ? inter : 0f);

    byte mm = 2;
    byte seconds = 8;
    buf.put(XYZT_UNITS, (byte) (dims.length == 4 ? mm | seconds : mm));
    byte[] descrip = "delineo".getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < descrip.length; i++) {
      buf.put(DESCRIP + i, descrip[i]);
    }

    double[][] a = vol.affine();
    if (qform.valid) {
      buf.putShort(QFORM_CODE, (short) 1);
      for (int i = 0; i < 3; i++) {
        buf.putFloat(QUATERN_B + 4 * i, (float) qform.bcd[i]);
        buf.putFloat(QOFFSET_X + 4 * i, (float) a[i][3]);
      }
    }
    buf.putShort(SFORM_CODE, (short) 1);
    for (int r = 0; r < 3; r++) {
      for (int c = 0; c < 4; c++) {
        buf.putFloat(SROW_X + 16 * r + 4 * c, (float) a[r][c]);
      }
    }
    buf.put(MAGIC, (byte) 'n');
    buf.put(MAGIC + 1, (byte) '+');
    buf.put(MAGIC + 2, (byte) '1');
    buf.put(MAGIC + 3, (byte) 0);
    // Bytes 348..351 stay 0: "no extensions follow".
    return scaled;
  }

  private static void writeData(
      Path file, ByteBuffer buf, NiftiVolume vol, NiftiDatatype type, boolean scaled) {
    float[] data = vol.data();
    double slope = scaled ? vol.sclSlope() : 1.0;
    double inter = scaled && Float.isFinite(vol.sclInter()) ? vol.sclInter() : 0.0;
    int base = SINGLE_FILE_DATA_OFFSET;
    if (type == NiftiDatatype.FLOAT32 && !scaled) {
      buf.position(base);
      buf.asFloatBuffer().put(data);
      buf.position(0);
      return;
    }
    for (int i = 0; i < data.length; i++) {
      double raw = (data[i] - inter) / slope;
      if (type.integral()) {
        raw = Math.rint(raw);
        if (!(raw >= type.min() && raw <= type.max())) {
          throw new DataFileException(
              file, "value " + data[i] + " at voxel " + i + (scaled ? " (stored as " + raw + ")" : "")
                  + " does not fit datatype " + type.name().toLowerCase(Locale.ROOT) + " ["
                  + (long) type.min() + ", " + (long) type.max() + "]");
        }
      }
      switch (type) {
        case UINT8, INT8 -> buf.put(base + i, (byte) (int) raw);
        case INT16, UINT16 -> buf.putShort(base + 2 * i, (short) (int) raw);
        case INT32 -> buf.putInt(base + 4 * i, (int) raw);
        case FLOAT32 -> buf.putFloat(base + 4 * i, (float) raw);
        case FLOAT64 -> buf.putDouble(base + 8 * i, raw);
      }
    }
  }

  /** A qform derived from an affine: quaternion, qfac, and whether the affine allows one. */
  private record Qform(boolean valid, double[] bcd, double qfac) {}

  /**
   * Splits the affine's 3×3 part into rotation × diag(xyz) (× diag(1, 1, qfac)); invalid when the
   * column lengths differ from the spacing or the columns are not orthogonal.
   */
  private static Qform qformOf(double[][] a, double[] xyz) {
    double[][] r = new double[3][3];
    for (int j = 0; j < 3; j++) {
      double norm = Math.sqrt(a[0][j] * a[0][j] + a[1][j] * a[1][j] + a[2][j] * a[2][j]);
      if (!(xyz[j] > 0) || Math.abs(norm - xyz[j]) > QFORM_TOLERANCE * Math.max(1.0, xyz[j])) {
        return new Qform(false, null, 1.0);
      }
      for (int i = 0; i < 3; i++) {
        r[i][j] = a[i][j] / xyz[j];
      }
    }
    double det =
        r[0][0] * (r[1][1] * r[2][2] - r[1][2] * r[2][1])
            - r[0][1] * (r[1][0] * r[2][2] - r[1][2] * r[2][0])
            + r[0][2] * (r[1][0] * r[2][1] - r[1][1] * r[2][0]);
    double qfac = det < 0 ? -1.0 : 1.0;
    if (qfac < 0) {
      for (int i = 0; i < 3; i++) {
        r[i][2] = -r[i][2];
      }
    }
    for (int p = 0; p < 3; p++) {
      for (int q = 0; q < 3; q++) {
        double dot = r[0][p] * r[0][q] + r[1][p] * r[1][q] + r[2][p] * r[2][q];
        if (Math.abs(dot - (p == q ? 1.0 : 0.0)) > QFORM_TOLERANCE) {
          return new Qform(false, null, 1.0);
        }
      }
    }
    return new Qform(true, NiftiQuaternion.fromRotation(r), qfac);
  }
}
