package org.delineo.serving.rest;

/** The two JSON layouts of a TF Serving REST predict request. */
public enum RequestFormat {
  /**
   * {@code {"instances": [{alias: row}, ...]}}: one object per example, so every input must share
   * dimension 0. The response comes back as {@code "predictions"}.
   */
  ROW,
  /**
   * {@code {"inputs": {alias: tensor}}}: whole batched tensors, dimension 0 may differ. The
   * response comes back as {@code "outputs"}.
   */
  COLUMNAR
}
