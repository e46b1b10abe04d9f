package org.delineo.serving;

import java.util.Objects;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * What a {@link ModelBuilder} hands the exporter: the raw input placeholder and the logits built
 * on it in a PREDICT-mode graph.
 *
 * @param image float32 placeholder {@code [-1, H, W, C]} (or {@code [-1, D, H, W, C]}) with an
 *     unknown batch dimension; it becomes the signature input {@code image}
 * @param logits class logits with the classes on the last, static axis; the exporter derives the
 *     {@code probabilities} (softmax) and {@code labels} (argmax) outputs from them
 */
public record PredictGraph(Operand<TFloat32> image, Operand<TFloat32> logits) {

  public PredictGraph {
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(logits, "logits");
  }
}
