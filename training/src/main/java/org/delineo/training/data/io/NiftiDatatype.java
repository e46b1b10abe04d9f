package org.delineo.training.data.io;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The NIfTI-1 voxel datatypes Delineo reads and writes, with their header codes. */
public enum NiftiDatatype {
  UINT8((short) 2, 1, 0, 255),
  INT16((short) 4, 2, Short.MIN_VALUE, Short.MAX_VALUE),
  INT32((short) 8, 4, Integer.MIN_VALUE, Integer.MAX_VALUE),
  FLOAT32((short) 16, 4, Double.NaN, Double.NaN),
  FLOAT64((short) 64, 8, Double.NaN, Double.NaN),
  INT8((short) 256, 1, Byte.MIN_VALUE, Byte.MAX_VALUE),
  UINT16((short) 512, 2, 0, 65535);

  private final short code;
  private final int bytes;
  private final double min;
  private final double max;

  NiftiDatatype(short code, int bytes, double min, double max) {
    this.code = code;
    this.bytes = bytes;
    this.min = min;
    this.max = max;
  }

  /** The value of the header's {@code datatype} field. */
  public short code() {
    return code;
  }

  /** Bytes per voxel ({@code bitpix / 8}). */
  public int bytes() {
    return bytes;
  }

  /** Whether voxels are stored as integers (values are rounded and range-checked on write). */
  public boolean integral() {
    return !Double.isNaN(min);
  }

  /** Smallest storable value of an integer type. */
  double min() {
    return min;
  }

  /** Largest storable value of an integer type. */
  double max() {
    return max;
  }

  /** The datatype with header code {@code code}, or null when Delineo does not support it. */
  public static NiftiDatatype fromCode(short code) {
    for (NiftiDatatype t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    return null;
  }

  /** A human-readable list such as {@code uint8(2), int16(4), ...}, for error messages. */
  public static String supportedList() {
    return Arrays.stream(values())
        .map(t -> t.name().toLowerCase() + "(" + t.code + ")")
        .collect(Collectors.joining(", "));
  }
}
