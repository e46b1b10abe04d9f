package org.delineo.graph;

/**
 * An error a user can cause (configuration, files, shapes, labels). The message names the field or
 * file, what was expected and what was found.
 */
public class DelineoException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DelineoException(String message) {
    super(message);
  }

  public DelineoException(String message, Throwable cause) {
    super(message, cause);
  }
}
