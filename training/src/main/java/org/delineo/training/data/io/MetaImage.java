package org.delineo.training.data.io;

import java.nio.file.Path;

/**
 * A decoded MetaImage ({@code .mhd} + raw data) volume. Axes are in the file's order, x first:
 * {@code dimSize = [nx, ny, nz]}, and {@code data} is stored x-fastest, which is the same memory
 * order as a row-major {@code [nz, ny, nx]} array, so no transposition is needed.
 *
 * @param header the {@code .mhd} file
 * @param dimSize size per axis, x first
 * @param spacing {@code ElementSpacing} (or {@code ElementSize}) per axis, x first; 1 when absent
 * @param offset {@code Offset} (or {@code Position}) per axis; zeros when absent
 * @param transformMatrix {@code TransformMatrix} (or {@code Orientation}) row-major
 *     {@code ndims x ndims}; identity when absent
 * @param elementType the {@code ElementType} name, e.g. {@code MET_SHORT}
 * @param data every element converted to float32
 */
public record MetaImage(
    Path header,
    int[] dimSize,
    double[] spacing,
    double[] offset,
    double[] transformMatrix,
    String elementType,
    float[] data) {}
