package org.delineo.training.data;

import org.delineo.graph.DelineoException;

/** Decoding or augmenting one sample failed on a loader worker; names the sample and its place. */
public final class SampleLoadException extends DelineoException {
  private static final long serialVersionUID = 1L;
  private final String sampleId;

  public SampleLoadException(String sampleId, int epoch, int position, Throwable cause) {
    super("sample '" + sampleId + "' (epoch " + epoch + ", position " + position
        + ") failed to load: " + cause, cause);
    this.sampleId = sampleId;
  }

  /** The id of the sample that failed. */
  public String sampleId() {
    return sampleId;
  }
}
