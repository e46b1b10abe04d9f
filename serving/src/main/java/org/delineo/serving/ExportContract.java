package org.delineo.serving;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.serving.rest.SignatureInfo;
import org.delineo.serving.rest.TensorInfo;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorShapeProto;

/**
 * The signature contract of a Delineo export (the signatures {@link SavedModelExporter} publishes),
 * read and checked once for every client: from the SignatureDefs of a SavedModel on disk
 * ({@link Predictor}) or from TF Serving's metadata, which is the same SignatureDefs as JSON
 * ({@link RestPredictor}, {@link org.delineo.serving.load.RestModelCall}).
 *
 * <p>What it checks when read, because every client relies on it:
 * <ul>
 *   <li>{@code serving_default} takes {@code image} float32 of rank 4 {@code [-1, H, W, C]} or 5
 *       {@code [-1, D, H, W, C]} (a rank the metadata leaves unknown is allowed here) and gives
 *       {@code labels} int32, and {@code probabilities} float32 where it gives them;</li>
 *   <li>its optional {@code modality_mask} is bool {@code [-1, M]} with M the image's channel
 *       count (where known): one flag per modality channel;</li>
 *   <li>{@code serving_all_modalities}, where present, takes {@code image} float32 (requests
 *       without a mask go there, since TF Serving will not let a request leave an input out);</li>
 *   <li>where both {@code normalize} and {@code predict_normalized} are present (the normalised
 *       path for sliding windows): {@code normalize} takes and gives {@code image} float32 of the
 *       model's rank, and {@code predict_normalized} takes {@code image} float32 (plus exactly
 *       {@code serving_default}'s {@code modality_mask}) and gives {@code probabilities} and
 *       {@code labels}.</li>
 * </ul>
 * {@link #requireInProcess()} adds what calls in this JVM need on top.
 *
 * <p>Immutable.
 */
public final class ExportContract {
  private final String model;
  private final Map<String, SignatureInfo> signatures;
  /** serving_default's image shape, batch axis first, -1 where dynamic; null where the rank is unknown. */
  private final long[] imageShape;
  /** M of serving_default's modality_mask; 0 without one. */
  private final int modalities;
  private final boolean normalizes;

  private ExportContract(String model, Map<String, SignatureInfo> signatures) {
    this.model = model;
    this.signatures = Collections.unmodifiableMap(new LinkedHashMap<>(signatures));
    if (!signatures.containsKey(SavedModelExporter.SIGNATURE_KEY)) {
      throw new DelineoException(model + " has no signature '" + SavedModelExporter.SIGNATURE_KEY + "'; found "
          + signatures.keySet());
    }
    TensorInfo image = input(SavedModelExporter.SIGNATURE_KEY, SavedModelExporter.INPUT_IMAGE, "DT_FLOAT");
    output(SavedModelExporter.SIGNATURE_KEY, SavedModelExporter.OUTPUT_LABELS, "DT_INT32");
    if (outputs(SavedModelExporter.SIGNATURE_KEY).containsKey(SavedModelExporter.OUTPUT_PROBABILITIES)) {
      output(SavedModelExporter.SIGNATURE_KEY, SavedModelExporter.OUTPUT_PROBABILITIES, "DT_FLOAT");
    }
    if (!image.unknownRank() && image.shape().size() != 4 && image.shape().size() != 5) {
      throw new ShapeMismatchException(model + " signature '" + SavedModelExporter.SIGNATURE_KEY + "' input '"
          + SavedModelExporter.INPUT_IMAGE + "': expected rank 4 [-1, H, W, C] or 5 [-1, D, H, W, C], found rank "
          + image.shape().size() + " " + image.shape());
    }
    this.imageShape = image.unknownRank() ? null : image.shape().stream().mapToLong(Long::longValue).toArray();
    this.modalities = maskLength(SavedModelExporter.SIGNATURE_KEY, channels());
    if (signatures.containsKey(SavedModelExporter.ALL_MODALITIES_SIGNATURE_KEY)) {
      input(SavedModelExporter.ALL_MODALITIES_SIGNATURE_KEY, SavedModelExporter.INPUT_IMAGE, "DT_FLOAT");
    }
    // Exports before these signatures existed (or of datasets without request-statistics
    // normalisation) lack them; sliding windows then normalise per window, as such exports always did.
    this.normalizes = signatures.containsKey(SavedModelExporter.NORMALIZE_SIGNATURE_KEY)
        && signatures.containsKey(SavedModelExporter.PREDICT_NORMALIZED_SIGNATURE_KEY);
    if (normalizes) {
      checkNormalizedPath();
    }
  }

  /**
   * The contract of a SavedModel's signatures.
   *
   * @param model how messages name the model, e.g. "SavedModel exports/seg/1"
   * @throws DelineoException if the signatures break the contract (see the class comment)
   */
  public static ExportContract fromSignatureDefs(Map<String, SignatureDef> defs, String model) {
    Map<String, SignatureInfo> signatures = new LinkedHashMap<>();
    defs.forEach((key, def) -> signatures.put(key,
        new SignatureInfo(def.getMethodName(), describe(def.getInputsMap()), describe(def.getOutputsMap()))));
    return new ExportContract(model, signatures);
  }

  /**
   * The contract of the signatures TF Serving's metadata endpoint reports.
   *
   * @param model how messages name the model, e.g. "model 'seg' on http://host:8501"
   * @throws DelineoException if the signatures break the contract (see the class comment)
   */
  public static ExportContract fromMetadata(Map<String, SignatureInfo> signatures, String model) {
    return new ExportContract(model, signatures);
  }

  /** SignatureDef entries as the metadata endpoint describes them: dtype name and shape. */
  private static Map<String, TensorInfo> describe(Map<String, org.tensorflow.proto.TensorInfo> entries) {
    Map<String, TensorInfo> out = new LinkedHashMap<>();
    entries.forEach((alias, info) -> {
      TensorShapeProto shape = info.getTensorShape();
      List<Long> dims = shape.getDimList().stream().map(TensorShapeProto.Dim::getSize).toList();
      out.put(alias, new TensorInfo(info.getName(), info.getDtype().name(), dims, shape.getUnknownRank()));
    });
    return out;
  }

  /**
   * Checks what {@link Predictor}'s calls in this JVM read beyond the common contract: a known
   * image rank (every call may slide windows over the spatial axes) and {@code probabilities}
   * (every call averages them). Over REST an export answering only {@code labels} still predicts
   * inputs that fit it whole.
   *
   * @return this contract
   * @throws DelineoException if either is missing
   */
  public ExportContract requireInProcess() {
    output(SavedModelExporter.SIGNATURE_KEY, SavedModelExporter.OUTPUT_PROBABILITIES, "DT_FLOAT");
    if (imageShape == null) {
      throw new ShapeMismatchException(model + " signature '" + SavedModelExporter.SIGNATURE_KEY + "' input '"
          + SavedModelExporter.INPUT_IMAGE + "': expected rank 4 [-1, H, W, C] or 5 [-1, D, H, W, C], found unknown rank");
    }
    return this;
  }

  /**
   * The signature for requests without a modality mask: {@code serving_all_modalities} where the
   * export has it (multi-modal models, whose {@code serving_default} requires the mask), else
   * {@code serving_default}.
   */
  public String imageSignature() {
    return signatures.containsKey(SavedModelExporter.ALL_MODALITIES_SIGNATURE_KEY)
        ? SavedModelExporter.ALL_MODALITIES_SIGNATURE_KEY : SavedModelExporter.SIGNATURE_KEY;
  }

  /** The export's signature keys. */
  public Set<String> signatureKeys() {
    return signatures.keySet();
  }

  /** One signature's inputs and outputs; null where the export has no such signature. */
  public SignatureInfo signature(String key) {
    return signatures.get(key);
  }

  /** {@code serving_default}'s image shape, batch axis first, -1 where dynamic; null where the rank is unknown. */
  public long[] imageShape() {
    return imageShape == null ? null : imageShape.clone();
  }

  /** The image's spatial sizes ({@code H, W} or {@code D, H, W}), -1 where dynamic; null where the rank is unknown. */
  public long[] spatial() {
    return imageShape == null ? null : Arrays.copyOfRange(imageShape, 1, imageShape.length - 1);
  }

  /** The image's channel count; -1 where dynamic or the rank is unknown. */
  public long channels() {
    return imageShape == null ? -1 : imageShape[imageShape.length - 1];
  }

  /** The mask length a multi-modal export takes (one flag per modality channel); 0 if it takes no mask. */
  public int modalities() {
    return modalities;
  }

  /** Whether the export has {@code normalize} and {@code predict_normalized} (checked as the class comment says). */
  public boolean normalizes() {
    return normalizes;
  }

  private void checkNormalizedPath() {
    String normalize = SavedModelExporter.NORMALIZE_SIGNATURE_KEY;
    for (TensorInfo info : List.of(input(normalize, SavedModelExporter.INPUT_IMAGE, "DT_FLOAT"),
        output(normalize, SavedModelExporter.INPUT_IMAGE, "DT_FLOAT"))) {
      if (imageShape != null && !info.unknownRank() && info.shape().size() != imageShape.length) {
        throw new ShapeMismatchException(model + " signature '" + normalize + "': expected image of rank "
            + imageShape.length + " like '" + SavedModelExporter.SIGNATURE_KEY + "', found rank " + info.shape().size());
      }
    }
    String predict = SavedModelExporter.PREDICT_NORMALIZED_SIGNATURE_KEY;
    input(predict, SavedModelExporter.INPUT_IMAGE, "DT_FLOAT");
    output(predict, SavedModelExporter.OUTPUT_PROBABILITIES, "DT_FLOAT");
    output(predict, SavedModelExporter.OUTPUT_LABELS, "DT_INT32");
    boolean mask = inputs(predict).containsKey(SavedModelExporter.INPUT_MODALITY_MASK);
    if (mask != (modalities > 0)) {
      throw new DelineoException(model + " signature '" + predict + "': expected "
          + (modalities > 0 ? "an input '" : "no input '") + SavedModelExporter.INPUT_MODALITY_MASK
          + "' as in '" + SavedModelExporter.SIGNATURE_KEY + "', found inputs " + inputs(predict).keySet());
    }
    if (mask) {
      maskLength(predict, modalities);
    }
  }

  /**
   * M of the signature's optional {@code modality_mask} bool {@code [-1, M]}, 0 without one; M must
   * be known and equal {@code expected} where that is positive.
   */
  private int maskLength(String key, long expected) {
    if (!inputs(key).containsKey(SavedModelExporter.INPUT_MODALITY_MASK)) {
      return 0;
    }
    TensorInfo mask = input(key, SavedModelExporter.INPUT_MODALITY_MASK, "DT_BOOL");
    long m = !mask.unknownRank() && mask.shape().size() == 2 ? mask.shape().get(1) : -1;
    if (m <= 0 || (expected > 0 && m != expected)) {
      throw new ShapeMismatchException(model + " signature '" + key + "' input '"
          + SavedModelExporter.INPUT_MODALITY_MASK + "': expected bool [-1, M] with M the image's channel count ("
          + expected + "), found " + (mask.unknownRank() ? "unknown rank" : mask.shape()));
    }
    return (int) m;
  }

  private Map<String, TensorInfo> inputs(String key) {
    return signatures.get(key).inputs();
  }

  private Map<String, TensorInfo> outputs(String key) {
    return signatures.get(key).outputs();
  }

  private TensorInfo input(String key, String alias, String dtype) {
    return entry(key, inputs(key), "input", alias, dtype);
  }

  private TensorInfo output(String key, String alias, String dtype) {
    return entry(key, outputs(key), "output", alias, dtype);
  }

  private TensorInfo entry(String key, Map<String, TensorInfo> entries, String kind, String alias, String dtype) {
    TensorInfo info = entries.get(alias);
    if (info == null) {
      throw new DelineoException(model + " signature '" + key + "' has no " + kind + " '" + alias + "'; found "
          + entries.keySet());
    }
    if (!info.dtype().equals(dtype)) {
      throw new DelineoException(model + " signature '" + key + "': " + kind + " '" + alias + "' expected " + dtype
          + ", found " + info.dtype());
    }
    return info;
  }
}
