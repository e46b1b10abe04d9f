package org.delineo.serving.rest;

/**
 * One entry of TF Serving's {@code model_version_status} list (GetModelStatusResponse): a version,
 * its state ({@code START}, {@code LOADING}, {@code AVAILABLE}, {@code UNLOADING}, {@code END})
 * and the status error code ({@code OK} when healthy) and message.
 */
public record ModelVersionStatus(long version, String state, String errorCode, String errorMessage) {
  /** Whether this version is loaded and serving requests. */
  public boolean isAvailable() {
    return "AVAILABLE".equals(state);
  }
}
