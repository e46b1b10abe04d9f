package org.delineo.serving.rest;

import java.util.Map;

/** One SignatureDef from TF Serving's metadata endpoint: method name and aliased inputs/outputs. */
public record SignatureInfo(
    String methodName, Map<String, TensorInfo> inputs, Map<String, TensorInfo> outputs) {
  public SignatureInfo {
    inputs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(inputs));
    outputs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(outputs));
  }
}
