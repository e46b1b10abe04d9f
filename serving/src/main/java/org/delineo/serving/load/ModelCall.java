package org.delineo.serving.load;

import org.delineo.serving.Prediction;
import org.delineo.serving.Predictor;

/**
 * One prediction request as {@link LoadRun} sends it: an image or volume in, the model's answer
 * out. {@link Predictor#predict(float[], int[])} fits as is ({@code predictor::predict}); a TF
 * Serving model is reached through {@link RestModelCall}. Implementations are called from several
 * threads at once and must be safe for that.
 */
@FunctionalInterface
public interface ModelCall {

  /**
   * Predicts one input.
   *
   * @param image row-major values of shape {@code shape}
   * @param shape {@code H, W, C} or {@code D, H, W, C}, no batch axis
   * @return the answer exactly as the model gave it (a wrong shape is for the caller to find)
   */
  Prediction predict(float[] image, int[] shape);
}
