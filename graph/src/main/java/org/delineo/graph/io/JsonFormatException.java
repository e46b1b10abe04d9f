package org.delineo.graph.io;

import org.delineo.graph.DelineoException;

/**
 * JSON text that is not well formed, or well formed but not shaped as expected. The message says
 * what was expected, what was found and where (character offset or JSON path).
 */
public class JsonFormatException extends DelineoException {
  private static final long serialVersionUID = 1L;

  public JsonFormatException(String message) {
    super(message);
  }
}
