package org.delineo.serving;

import java.util.Objects;
import org.tensorflow.Operand;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * The graph pieces behind the signatures {@code normalize} and {@code predict_normalized} of an
 * export that normalises raw intensities in the graph with statistics of the request (per-sample
 * z-score, per-request min-max). Clients that slide windows over an input larger than the model
 * run {@code normalize} once on the WHOLE input and then {@code predict_normalized} per window, so
 * the statistics are the input's, as in training, rather than each window's.
 *
 * @param rawImage float32 placeholder {@code [-1, -1, ..., -1, C]} (dynamic spatial sizes) of raw
 *     intensities; the input {@code image} of {@code normalize}
 * @param normalized {@code rawImage} after the dataset reader's normalisation only (not the
 *     model's own mean / std, which {@code logits} applies); the output {@code image} of
 *     {@code normalize}
 * @param image float32 placeholder of already-normalised images, shaped like
 *     {@link PredictGraph#image()}; the input {@code image} of {@code predict_normalized}
 * @param logits class logits of {@code image}: the model's path without the reader's
 *     normalisation, everything after it unchanged
 * @param modalityMask the optional bool {@code [-1, M]} mask input {@code logits} depend on, for
 *     multi-modal models (null otherwise); the input {@code modality_mask} of
 *     {@code predict_normalized}
 */
public record NormalizedPath(Operand<TFloat32> rawImage, Operand<TFloat32> normalized,
    Operand<TFloat32> image, Operand<TFloat32> logits, Operand<TBool> modalityMask) {

  public NormalizedPath {
    Objects.requireNonNull(rawImage, "rawImage");
    Objects.requireNonNull(normalized, "normalized");
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(logits, "logits");
  }
}
