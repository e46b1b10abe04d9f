package org.delineo.serving.rest;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.delineo.graph.DelineoException;

/**
 * The outputs of one TF Serving predict call by alias. TF Serving drops the alias when the
 * signature has a single output; that output is then stored under {@link #UNNAMED}.
 */
public final class Prediction {
  /** The key of the output when the server did not name it (single-output signatures). */
  public static final String UNNAMED = "";

  private final Map<String, ServingTensor> outputs;

  Prediction(Map<String, ServingTensor> outputs) {
    this.outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
  }

  public Map<String, ServingTensor> outputs() {
    return outputs;
  }

  /** The output with this alias; the error lists the aliases the server returned. */
  public ServingTensor output(String alias) {
    ServingTensor t = outputs.get(alias);
    if (t == null) {
      throw new DelineoException(
          "prediction has no output '" + alias + "'; outputs: " + outputs.keySet());
    }
    return t;
  }

  /** The only output, named or not; fails when there are several. */
  public ServingTensor single() {
    if (outputs.size() != 1) {
      throw new DelineoException(
          "expected exactly one output but the prediction has " + outputs.keySet());
    }
    return outputs.values().iterator().next();
  }
}
