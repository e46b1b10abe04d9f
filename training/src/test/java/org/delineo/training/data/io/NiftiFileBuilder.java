package org.delineo.training.data.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.GZIPOutputStream;

/**
 * Builds NIfTI-1 files for tests independently of the production code: every header field is put
 * at its offset from the NIfTI-1 specification (nifti1.h), written out here as literals.
 */
final class NiftiFileBuilder {
  final ByteOrder order;
  final ByteBuffer header;
  private byte[] data = new byte[0];
  private byte[] extension = new byte[4];

  /** A header with sizeof_hdr, dim, datatype, bitpix, pixdim = 1, vox_offset 352, magic n+1. */
  NiftiFileBuilder(ByteOrder order, int datatype, int bitpix, int... dims) {
    this.order = order;
    header = ByteBuffer.allocate(348).order(order);
    header.putInt(0, 348); // sizeof_hdr
    header.putShort(40, (short) dims.length); // dim[0]
    for (int i = 1; i < 8; i++) {
      header.putShort(40 + 2 * i, (short) (i <= dims.length ? dims[i - 1] : 1));
    }
    header.putShort(70, (short) datatype);
    header.putShort(72, (short) bitpix);
    for (int i = 0; i < 8; i++) {
      header.putFloat(76 + 4 * i, 1f); // pixdim
    }
    header.putFloat(108, 352f); // vox_offset
    header.put(344, (byte) 'n');
    header.put(345, (byte) '+');
    header.put(346, (byte) '1');
    header.put(347, (byte) 0);
  }

  NiftiFileBuilder pixdim(int i, float v) {
    header.putFloat(76 + 4 * i, v);
    return this;
  }

  NiftiFileBuilder scaling(float slope, float inter) {
    header.putFloat(112, slope);
    header.putFloat(116, inter);
    return this;
  }

  NiftiFileBuilder voxOffset(float v) {
    header.putFloat(108, v);
    return this;
  }

  NiftiFileBuilder sform(float[] rowX, float[] rowY, float[] rowZ) {
    header.putShort(254, (short) 1);
    for (int c = 0; c < 4; c++) {
      header.putFloat(280 + 4 * c, rowX[c]);
      header.putFloat(296 + 4 * c, rowY[c]);
      header.putFloat(312 + 4 * c, rowZ[c]);
    }
    return this;
  }

  NiftiFileBuilder qform(float b, float c, float d, float ox, float oy, float oz) {
    header.putShort(252, (short) 1);
    header.putFloat(256, b);
    header.putFloat(260, c);
    header.putFloat(264, d);
    header.putFloat(268, ox);
    header.putFloat(272, oy);
    header.putFloat(276, oz);
    return this;
  }

  /** Bytes between the header and the data (the 4-byte extension flag and anything after it). */
  NiftiFileBuilder extension(byte[] bytes) {
    extension = bytes.clone();
    return this;
  }

  NiftiFileBuilder uint8(int... values) {
    data = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      data[i] = (byte) values[i];
    }
    return this;
  }

  NiftiFileBuilder int16(int... values) {
    ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(order);
    for (int v : values) {
      b.putShort((short) v);
    }
    data = b.array();
    return this;
  }

  NiftiFileBuilder int32(int... values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(order);
    for (int v : values) {
      b.putInt(v);
    }
    data = b.array();
    return this;
  }

  NiftiFileBuilder float32(float... values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(order);
    for (float v : values) {
      b.putFloat(v);
    }
    data = b.array();
    return this;
  }

  NiftiFileBuilder float64(double... values) {
    ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(order);
    for (double v : values) {
      b.putDouble(v);
    }
    data = b.array();
    return this;
  }

  byte[] bytes() {
    byte[] out = new byte[348 + extension.length + data.length];
    System.arraycopy(header.array(), 0, out, 0, 348);
    System.arraycopy(extension, 0, out, 348, extension.length);
    System.arraycopy(data, 0, out, 348 + extension.length, data.length);
    return out;
  }

  static byte[] gzip(byte[] bytes) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
        gz.write(bytes);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
