package org.delineo.training.config;

import org.delineo.graph.DelineoException;

/**
 * A configuration error a user can fix: a missing or malformed experiment file, or a bad
 * {@code --set} override. The message names the file position or override, the field, what was
 * expected and what was found.
 */
public class ConfigException extends DelineoException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
