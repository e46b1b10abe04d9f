package org.delineo.training.data.io;

/**
 * Byte offsets of the NIfTI-1 header fields Delineo uses (nifti1.h), shared by the reader and the
 * writer so that both agree on one table.
 */
final class NiftiHeaderLayout {
  static final int SIZEOF_HDR = 0;
  static final int REGULAR = 38;
  static final int DIM = 40;
  static final int DATATYPE = 70;
  static final int BITPIX = 72;
  static final int PIXDIM = 76;
  static final int VOX_OFFSET = 108;
  static final int SCL_SLOPE = 112;
  static final int SCL_INTER = 116;
  static final int XYZT_UNITS = 123;
  static final int DESCRIP = 148;
  static final int QFORM_CODE = 252;
  static final int SFORM_CODE = 254;
  static final int QUATERN_B = 256;
  static final int QOFFSET_X = 268;
  static final int SROW_X = 280;
  static final int MAGIC = 344;

  /** Value of {@code sizeof_hdr}; also the header's length in bytes. */
  static final int HEADER_SIZE = 348;
  /** Where a single-file writer puts the data: header plus the 4-byte extension flag. */
  static final int SINGLE_FILE_DATA_OFFSET = 352;

  private NiftiHeaderLayout() {}
}
