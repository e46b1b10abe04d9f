package org.delineo.graph;

import org.tensorflow.ndarray.Shape;

/** A tensor or variable whose shape differs from the one a module or loss requires. */
public final class ShapeMismatchException extends DelineoException {
  private static final long serialVersionUID = 1L;

  public ShapeMismatchException(String what, Shape expected, Shape found) {
    super(what + ": expected shape " + expected + ", found " + found);
  }

  public ShapeMismatchException(String message) {
    super(message);
  }
}
