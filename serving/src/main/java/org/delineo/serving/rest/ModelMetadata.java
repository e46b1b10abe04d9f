package org.delineo.serving.rest;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What TF Serving's {@code GET /v1/models/NAME[/versions/N]/metadata} reports: the model name and
 * version it resolved to and its signatures by key (e.g. {@code serving_default}).
 */
public record ModelMetadata(String modelName, long version, Map<String, SignatureInfo> signatures) {
  public ModelMetadata {
    signatures = Collections.unmodifiableMap(new LinkedHashMap<>(signatures));
  }
}
