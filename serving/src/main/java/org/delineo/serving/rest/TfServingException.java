package org.delineo.serving.rest;

import org.delineo.graph.DelineoException;

/**
 * A TF Serving REST call that failed: an HTTP error status (with the server's {@code "error"}
 * message), a refused connection, a timeout or a malformed response. The message names the URL.
 */
public class TfServingException extends DelineoException {
  private static final long serialVersionUID = 1L;

  private final String url;
  private final int httpStatus;

  public TfServingException(String message, String url, int httpStatus, Throwable cause) {
    super(message, cause);
    this.url = url;
    this.httpStatus = httpStatus;
  }

  /** The URL that was requested. */
  public String url() {
    return url;
  }

  /** The HTTP status the server answered with, or 0 when no HTTP response arrived. */
  public int httpStatus() {
    return httpStatus;
  }
}
