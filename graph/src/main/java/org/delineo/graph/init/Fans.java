package org.delineo.graph.init;

import org.tensorflow.ndarray.Shape;

/**
 * Fan-in and fan-out of a weight in our layout: linear {@code [in, out]}, convolution kernels
 * {@code [k..., in, out]} (HWIO / DHWIO), so the receptive field is every axis but the last two.
 *
 * @param in number of inputs feeding one output
 * @param out number of outputs fed by one input
 */
public record Fans(long in, long out) {

  /** The fans of a weight of the given shape. */
  public static Fans of(Shape shape) {
    int rank = shape.numDimensions();
    if (rank == 0) {
      return new Fans(1, 1);
    }
    if (rank == 1) {
      return new Fans(shape.size(0), shape.size(0));
    }
    long receptive = 1;
    for (int i = 0; i < rank - 2; i++) {
      receptive *= shape.size(i);
    }
    return new Fans(receptive * shape.size(rank - 2), receptive * shape.size(rank - 1));
  }
}
