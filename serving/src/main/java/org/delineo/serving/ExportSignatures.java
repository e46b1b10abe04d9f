package org.delineo.serving;

import static org.delineo.serving.SavedModelExporter.ALL_MODALITIES_SIGNATURE_KEY;
import static org.delineo.serving.SavedModelExporter.BYTES_SIGNATURE_KEY;
import static org.delineo.serving.SavedModelExporter.INPUT_IMAGE;
import static org.delineo.serving.SavedModelExporter.INPUT_IMAGE_BYTES;
import static org.delineo.serving.SavedModelExporter.INPUT_MODALITY_MASK;
import static org.delineo.serving.SavedModelExporter.LOGITS_SIGNATURE_KEY;
import static org.delineo.serving.SavedModelExporter.METHOD_NAME;
import static org.delineo.serving.SavedModelExporter.NORMALIZE_SIGNATURE_KEY;
import static org.delineo.serving.SavedModelExporter.OUTPUT_LABELS;
import static org.delineo.serving.SavedModelExporter.OUTPUT_LOGITS;
import static org.delineo.serving.SavedModelExporter.OUTPUT_MASK_PNG;
import static org.delineo.serving.SavedModelExporter.OUTPUT_PROBABILITIES;
import static org.delineo.serving.SavedModelExporter.PREDICT_NORMALIZED_SIGNATURE_KEY;
import static org.delineo.serving.SavedModelExporter.SIGNATURE_KEY;

import java.util.ArrayList;
import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ShapeMismatchException;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Signature;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TString;

/**
 * The signatures of an export: builds the PREDICT graph with the caller's {@link ModelBuilder},
 * checks it ({@link ExportChecks}), adds the outputs ({@code probabilities}: softmax over the last
 * axis; {@code labels}: argmax, int32; {@code mask_png_bytes} for 2D models) and the signatures
 * described on {@link SavedModelExporter}.
 *
 * @param all every signature of the export
 * @param warmupKey the signature warm-up requests call (image only: {@code serving_default}, or
 *     {@code serving_all_modalities} for multi-modal models)
 */
record ExportSignatures(List<Signature> all, String warmupKey) {

  /** Builds the PREDICT graph with its outputs and signatures in {@code g}. */
  static ExportSignatures build(Graph g, ModelBuilder builder, List<WarmupInput> warmupInputs) {
    GraphContext ctx = GraphContext.create(g, Mode.PREDICT, 0L);
    PredictGraph predict = builder.build(ctx);
    ExportChecks.checkImage(predict.image());
    ExportChecks.checkModalityMask(predict.modalityMask(), predict.image().shape());
    ExportChecks.checkWarmupInputs(warmupInputs, predict.image().shape());
    Ops tf = ctx.tf();
    Operand<TFloat32> logits = predict.logits();
    ExportChecks.checkLogits(logits);
    Operand<TFloat32> probabilities = tf.withName(OUTPUT_PROBABILITIES).nn.softmax(logits);
    Operand<TInt32> labels = tf.withName(OUTPUT_LABELS).math.argMax(logits, tf.constant(-1), TInt32.class);
    Operand<TBool> mask = predict.modalityMask();
    // 2D models also answer with each label map as a PNG, so REST clients need no decoder of
    // their own; volumes have no single-image encoding.
    Operand<TString> png = labels.shape().numDimensions() == 3
        ? tf.withName(OUTPUT_MASK_PNG).identity(EncodedImages.encodePng(tf, labels)) : null;
    List<Signature> signatures = new ArrayList<>();
    signatures.add(predictSignature(SIGNATURE_KEY, predict.image(), mask, probabilities, labels, png));
    Signature.Builder logitsSignature = Signature.builder()
        .key(LOGITS_SIGNATURE_KEY)
        .methodName(METHOD_NAME)
        .input(INPUT_IMAGE, predict.image());
    if (mask != null) {
      logitsSignature.input(INPUT_MODALITY_MASK, mask);
      signatures.add(predictSignature(ALL_MODALITIES_SIGNATURE_KEY, predict.image(), null, probabilities, labels, png));
    }
    signatures.add(logitsSignature.output(OUTPUT_LOGITS, logits).build());
    if (predict.imageBytes() != null) {
      signatures.add(bytesSignature(ctx.tf(), predict));
    }
    if (predict.normalizedPath() != null) {
      signatures.addAll(normalizedSignatures(tf, predict));
    }
    return new ExportSignatures(signatures, mask == null ? SIGNATURE_KEY : ALL_MODALITIES_SIGNATURE_KEY);
  }

  /**
   * {@code serving_bytes}: encoded images in, probabilities, labels and each label map as a PNG out,
   * for REST clients sending {@code {"b64": ...}}; any batch size, all images of one size.
   */
  private static Signature bytesSignature(Ops tf, PredictGraph predict) {
    Operand<TFloat32> logits = predict.bytesLogits();
    Operand<TInt32> labels = tf.withName("bytes_" + OUTPUT_LABELS).math.argMax(logits, tf.constant(-1), TInt32.class);
    if (labels.shape().numDimensions() != 3) {
      throw new ShapeMismatchException("export " + BYTES_SIGNATURE_KEY
          + ": expected 2D logits [N, H, W, K] for PNG masks, found shape " + logits.shape());
    }
    Operand<TString> png = tf.withName("bytes_" + OUTPUT_MASK_PNG).identity(EncodedImages.encodePng(tf, labels));
    return Signature.builder()
        .key(BYTES_SIGNATURE_KEY)
        .methodName(METHOD_NAME)
        .input(INPUT_IMAGE_BYTES, predict.imageBytes())
        .output(OUTPUT_PROBABILITIES, tf.withName("bytes_" + OUTPUT_PROBABILITIES).nn.softmax(logits))
        .output(OUTPUT_LABELS, labels)
        .output(OUTPUT_MASK_PNG, png)
        .build();
  }

  /**
   * {@code normalize} and {@code predict_normalized}: the reader's normalisation alone on a whole
   * input of any size, and {@code serving_default} without it, so that window-sliding clients
   * normalise with the whole input's statistics. Output tensors get their own names; the
   * signature keys are those of {@code serving_default}.
   */
  private static List<Signature> normalizedSignatures(Ops tf, PredictGraph predict) {
    NormalizedPath path = predict.normalizedPath();
    ExportChecks.checkNormalizedPath(path, predict);
    Operand<TFloat32> logits = path.logits();
    ExportChecks.checkLogits(logits);
    if (logits.shape().get(logits.shape().numDimensions() - 1)
        != predict.logits().shape().get(predict.logits().shape().numDimensions() - 1)) {
      throw new ShapeMismatchException("export " + PREDICT_NORMALIZED_SIGNATURE_KEY + " logits: expected the classes of "
          + SIGNATURE_KEY + " " + predict.logits().shape() + ", found shape " + logits.shape());
    }
    Operand<TFloat32> probabilities = tf.withName("normalized_" + OUTPUT_PROBABILITIES).nn.softmax(logits);
    Operand<TInt32> labels = tf.withName("normalized_" + OUTPUT_LABELS).math.argMax(logits, tf.constant(-1), TInt32.class);
    Operand<TString> png = labels.shape().numDimensions() == 3
        ? tf.withName("normalized_" + OUTPUT_MASK_PNG).identity(EncodedImages.encodePng(tf, labels)) : null;
    Signature normalize = Signature.builder()
        .key(NORMALIZE_SIGNATURE_KEY)
        .methodName(METHOD_NAME)
        .input(INPUT_IMAGE, path.rawImage())
        .output(INPUT_IMAGE, tf.withName("normalize_output").identity(path.normalized()))
        .build();
    return List.of(normalize, predictSignature(PREDICT_NORMALIZED_SIGNATURE_KEY, path.image(), path.modalityMask(),
        probabilities, labels, png));
  }

  private static Signature predictSignature(String key, Operand<TFloat32> image, Operand<TBool> mask,
      Operand<TFloat32> probabilities, Operand<TInt32> labels, Operand<TString> png) {
    Signature.Builder b = Signature.builder().key(key).methodName(METHOD_NAME).input(INPUT_IMAGE, image);
    if (mask != null) {
      b.input(INPUT_MODALITY_MASK, mask);
    }
    b.output(OUTPUT_PROBABILITIES, probabilities).output(OUTPUT_LABELS, labels);
    if (png != null) {
      b.output(OUTPUT_MASK_PNG, png);
    }
    return b.build();
  }
}
