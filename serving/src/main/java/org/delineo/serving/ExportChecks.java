package org.delineo.serving;

import static org.delineo.serving.SavedModelExporter.INPUT_MODALITY_MASK;
import static org.delineo.serving.SavedModelExporter.NORMALIZE_SIGNATURE_KEY;
import static org.delineo.serving.SavedModelExporter.PREDICT_NORMALIZED_SIGNATURE_KEY;
import static org.delineo.serving.SavedModelExporter.SIGNATURE_KEY;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.checkpoint.CheckpointFit;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * What an export checks before it writes anything: the PREDICT graph's inputs and outputs (what TF
 * Serving and the clients rely on), the warm-up inputs against the image placeholder (a misfit
 * makes TF Serving refuse the version), and the checkpoint, which must fit the graph's variables
 * and restore into it. Each failure is one line naming the input, expected vs found.
 */
final class ExportChecks {
  private ExportChecks() {}

  /**
   * Checks that the checkpoint at {@code checkpointPrefix} holds the session graph's variables with
   * their dtypes and shapes ({@link CheckpointFit}), then restores them by name.
   */
  static void restore(Session session, String checkpointPrefix) {
    CheckpointFit.check(session.graph(), Path.of(checkpointPrefix));
    try {
      session.restore(checkpointPrefix);
    } catch (TensorFlowException e) {
      throw new DelineoException("restoring checkpoint '" + checkpointPrefix
          + "' into the PREDICT graph failed (do the variable names and shapes match?): "
          + e.getMessage(), e);
    }
  }

  /**
   * The raw input is a placeholder of the image's rank and channels with dynamic batch and spatial
   * sizes; the normalised input is a placeholder shaped exactly like {@code image}; a mask goes
   * with it exactly when {@code serving_default} has one.
   */
  static void checkNormalizedPath(NormalizedPath path, PredictGraph predict) {
    Shape image = predict.image().shape();
    int rank = image.numDimensions();
    for (Operand<TFloat32> p : List.of(path.rawImage(), path.image())) {
      if (!"Placeholder".equals(p.op().type())) {
        throw new DelineoException("export " + NORMALIZE_SIGNATURE_KEY + " / " + PREDICT_NORMALIZED_SIGNATURE_KEY
            + " input image must be a placeholder, found op '" + p.op().name() + "' of type " + p.op().type());
      }
    }
    Shape raw = path.rawImage().shape();
    boolean dynamic = !raw.isUnknown() && raw.numDimensions() == rank && raw.get(rank - 1) == image.get(rank - 1);
    for (int i = 0; dynamic && i < rank - 1; i++) {
      dynamic = raw.get(i) == Shape.UNKNOWN_SIZE;
    }
    if (!dynamic) {
      long[] expected = new long[rank];
      Arrays.fill(expected, Shape.UNKNOWN_SIZE);
      expected[rank - 1] = image.get(rank - 1);
      throw new ShapeMismatchException("export " + NORMALIZE_SIGNATURE_KEY + " input image: expected shape "
          + Shape.of(expected) + " (any batch and spatial size, the image's channels), found " + raw);
    }
    // Shape.equals is false for any unknown size, so compare the sizes themselves.
    if (path.image().shape().isUnknown() || !Arrays.equals(path.image().shape().asArray(), image.asArray())) {
      throw new ShapeMismatchException("export " + PREDICT_NORMALIZED_SIGNATURE_KEY
          + " input image: expected the shape of " + SIGNATURE_KEY + "'s image " + image + ", found "
          + path.image().shape());
    }
    if ((path.modalityMask() == null) != (predict.modalityMask() == null)) {
      throw new DelineoException("export " + PREDICT_NORMALIZED_SIGNATURE_KEY + ": expected a "
          + INPUT_MODALITY_MASK + " input exactly when " + SIGNATURE_KEY + " has one, found "
          + (path.modalityMask() == null ? "none" : "one") + " (" + SIGNATURE_KEY + ": "
          + (predict.modalityMask() == null ? "none" : "one") + ")");
    }
    checkModalityMask(path.modalityMask(), image);
  }

  static void checkLogits(Operand<TFloat32> logits) {
    Shape s = logits.shape();
    if (s.isUnknown() || s.numDimensions() < 2 || s.get(s.numDimensions() - 1) <= 0) {
      throw new ShapeMismatchException(
          "export logits: expected a static class axis last ([N, ..., K]), found shape " + s);
    }
  }

  /** The mask, if any, must be bool [-1, M] with M the image's channel (modality) count. */
  static void checkModalityMask(Operand<TBool> mask, Shape image) {
    if (mask == null) {
      return;
    }
    Shape s = mask.shape();
    long modalities = image.get(image.numDimensions() - 1);
    if (s.isUnknown() || s.numDimensions() != 2 || s.get(0) != Shape.UNKNOWN_SIZE
        || s.get(1) != modalities) {
      throw new ShapeMismatchException("export " + INPUT_MODALITY_MASK + ": expected shape [-1, "
          + modalities + "] (batch, image channels), found " + s);
    }
  }

  /** The input must be a float placeholder of rank 4 or 5 whose batch dimension is unknown. */
  static void checkImage(Operand<TFloat32> image) {
    if (!"Placeholder".equals(image.op().type())) {
      throw new DelineoException(
          "export image input must be a placeholder, found op '" + image.op().name() + "' of type "
              + image.op().type());
    }
    Shape s = image.shape();
    if (s.isUnknown() || (s.numDimensions() != 4 && s.numDimensions() != 5)) {
      throw new ShapeMismatchException(
          "export image placeholder: expected [-1, H, W, C] or [-1, D, H, W, C], found shape " + s);
    }
    if (s.get(0) != Shape.UNKNOWN_SIZE) {
      throw new ShapeMismatchException(
          "export image placeholder: the batch dimension must be -1 (any batch size), found shape "
              + s);
    }
  }

  /** Warm-up inputs must fit the placeholder, or TF Serving fails to load the version. */
  static void checkWarmupInputs(List<WarmupInput> warmupInputs, Shape image) {
    for (WarmupInput input : warmupInputs) {
      long[] dims = input.shape();
      boolean fits = dims.length == image.numDimensions() - 1;
      for (int i = 0; fits && i < dims.length; i++) {
        long expected = image.get(i + 1);
        fits = expected == Shape.UNKNOWN_SIZE || expected == dims[i];
      }
      if (!fits) {
        throw new ShapeMismatchException("warm-up input: expected the image placeholder's shape "
            + image + " without the batch dimension, found " + Arrays.toString(dims));
      }
    }
  }
}
