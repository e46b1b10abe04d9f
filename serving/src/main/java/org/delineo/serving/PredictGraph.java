package org.delineo.serving;

import java.util.Objects;
import org.tensorflow.Operand;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;

/**
 * What a {@link ModelBuilder} hands the exporter: the raw input placeholder and the logits built
 * on it in a PREDICT-mode graph.
 *
 * @param image float32 placeholder {@code [-1, H, W, C]} (or {@code [-1, D, H, W, C]}) with an
 *     unknown batch dimension; it becomes the signature input {@code image}
 * @param logits class logits with the classes on the last, static axis; the exporter derives the
 *     {@code probabilities} (softmax) and {@code labels} (argmax) outputs from them
 * @param imageBytes optional string placeholder {@code [-1]} of PNG/JPEG files (2D models), or null
 * @param bytesLogits the logits of the images decoded from {@code imageBytes}, or null
 * @param modalityMask for multi-modal models the optional bool {@code [-1, M]} availability input
 *     ({@code placeholderWithDefault}: all present when not fed) that {@code logits} depend on, else
 *     null; it becomes the signature input {@code modality_mask}
 * @param normalizedPath for exports that normalise raw intensities with request statistics, the
 *     graph of the signatures {@code normalize} and {@code predict_normalized}; else null
 */
public record PredictGraph(Operand<TFloat32> image, Operand<TFloat32> logits,
    Operand<TString> imageBytes, Operand<TFloat32> bytesLogits, Operand<TBool> modalityMask,
    NormalizedPath normalizedPath) {

  public PredictGraph {
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(logits, "logits");
    if ((imageBytes == null) != (bytesLogits == null)) {
      throw new IllegalArgumentException("imageBytes and bytesLogits go together");
    }
  }

  /** A graph without the normalised path. */
  public PredictGraph(Operand<TFloat32> image, Operand<TFloat32> logits,
      Operand<TString> imageBytes, Operand<TFloat32> bytesLogits, Operand<TBool> modalityMask) {
    this(image, logits, imageBytes, bytesLogits, modalityMask, null);
  }

  /** A graph without a modality mask. */
  public PredictGraph(Operand<TFloat32> image, Operand<TFloat32> logits,
      Operand<TString> imageBytes, Operand<TFloat32> bytesLogits) {
    this(image, logits, imageBytes, bytesLogits, null);
  }

  /** A graph without the encoded-image path and without a modality mask. */
  public PredictGraph(Operand<TFloat32> image, Operand<TFloat32> logits) {
    this(image, logits, null, null, null);
  }

  /** This graph with the modality-mask input {@code mask} (or null for none). */
  public PredictGraph withModalityMask(Operand<TBool> mask) {
    return new PredictGraph(image, logits, imageBytes, bytesLogits, mask, normalizedPath);
  }

  /** This graph with the signatures {@code normalize} and {@code predict_normalized} of {@code path} (or null for none). */
  public PredictGraph withNormalizedPath(NormalizedPath path) {
    return new PredictGraph(image, logits, imageBytes, bytesLogits, modalityMask, path);
  }
}
