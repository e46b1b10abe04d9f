package org.delineo.training.data.io;

import java.nio.ByteOrder;

/**
 * What a NIfTI-1 header says about its voxels, read without decoding them ({@link
 * NiftiReader#readHeader}).
 *
 * @param dims size per axis, x first, 1 to 4 axes (as {@link NiftiVolume#dims()})
 * @param datatype the voxel type
 * @param voxOffset byte offset of the first voxel in the (uncompressed) file
 * @param order the header's byte order
 */
public record NiftiHeader(int[] dims, NiftiDatatype datatype, long voxOffset, ByteOrder order) {

  /** Number of voxels. */
  public long voxels() {
    long n = 1;
    for (int d : dims) {
      n *= d;
    }
    return n;
  }
}
