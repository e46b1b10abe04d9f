package org.delineo.serving;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;
import org.delineo.graph.DelineoException;
import org.delineo.graph.checkpoint.CheckpointFit;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;

/**
 * Exports a trained model as a TF Serving version directory (serving-and-ecosystem.md §1–§2).
 *
 * <p>Steps: build a fresh PREDICT-mode graph with the caller's {@link ModelBuilder}, its outputs
 * and signatures ({@link ExportSignatures}); check that the checkpoint holds its variables with
 * their dtypes and shapes ({@link CheckpointFit}) and restore them by name ({@link ExportChecks}),
 * all before any directory is created; then write the SavedModel (tag {@code serve}) into a
 * staging directory {@code <base>/<model>/.tmp-<model>-<random>} that {@link VersionPublisher}
 * renames atomically to {@code <base>/<model>/<version>}. TF Serving ignores the non-integer
 * staging name, so it never sees a half-written version. An existing version is never
 * overwritten, and concurrent exporters get distinct versions. With {@link #withWarmup} the
 * warm-up file ({@link WarmupWriter}) and with {@link #withRecord} the model's config and
 * provenance ({@link ModelRecord}) are written into the staging directory too, so the version
 * appears together with them.
 *
 * <p>Signatures: {@code serving_default} ({@code image} in, {@code probabilities} and
 * {@code labels} out, plus {@code mask_png_bytes} string {@code [-1]} for 2D models: each label map
 * as an 8-bit grey PNG), {@code predict_logits} ({@code image} in, {@code logits} out) and, for 2D
 * models with an encoded-image path, {@code serving_bytes} ({@code image_bytes} string {@code [-1]}
 * in; {@code probabilities}, {@code labels} and {@code mask_png_bytes} string {@code [-1]} out,
 * see {@link EncodedImages}). For multi-modal models ({@link PredictGraph#modalityMask()} set)
 * {@code serving_default} and {@code predict_logits} also take {@code modality_mask} bool
 * {@code [-1, M]}, and a fourth signature {@code serving_all_modalities} is {@code serving_default}
 * without it (all modalities present). TF Serving's Predict rejects a request that leaves out any
 * signature input ("input size does not match signature"), so the graph default of the mask alone
 * would not make it optional over the wire; clients without a mask call
 * {@code serving_all_modalities}, and the warm-up requests do too.
 *
 * <p>Exports that normalise raw intensities with statistics of the request
 * ({@link PredictGraph#normalizedPath()} set) add {@code normalize} ({@code image} with any batch
 * and spatial size in, {@code image} normalised out) and {@code predict_normalized}
 * ({@code serving_default}'s inputs and outputs on an already-normalised {@code image}), so that a
 * client sliding windows over a large input normalises it once as a whole ({@link Predictor} does).
 *
 * <pre>{@code
 * SavedModelExporter exporter = new SavedModelExporter("runs/acdc/checkpoints/step-3000");
 * Path dir = exporter.export(Path.of("exports"), "unet-acdc", null, unetBuilder); // exports/unet-acdc/1
 * }</pre>
 */
public final class SavedModelExporter {
  /** Signature of encoded images (see {@link ExportSignatures}). */
  public static final String BYTES_SIGNATURE_KEY = "serving_bytes";
  /** Input of {@link #BYTES_SIGNATURE_KEY}: PNG/JPEG file contents, string {@code [-1]}, all of one size. */
  public static final String INPUT_IMAGE_BYTES = "image_bytes";
  /** Output of 2D models' {@code serving_default} and {@link #BYTES_SIGNATURE_KEY}: each label map as an 8-bit grey PNG, string {@code [-1]}. */
  public static final String OUTPUT_MASK_PNG = "mask_png_bytes";
  /** The second signature, exposing raw logits (input {@code image}, output {@code logits}). */
  public static final String LOGITS_SIGNATURE_KEY = "predict_logits";
  /** Output of {@link #LOGITS_SIGNATURE_KEY}: raw class logits, float32. */
  public static final String OUTPUT_LOGITS = "logits";
  /** Multi-modal models: {@code serving_default} without the {@code modality_mask} input. */
  public static final String ALL_MODALITIES_SIGNATURE_KEY = "serving_all_modalities";
  /** Optional input of multi-modal models: bool {@code [-1, M]}, false where a modality is missing. */
  public static final String INPUT_MODALITY_MASK = "modality_mask";
  /**
   * Exports with request-statistics normalisation ({@link PredictGraph#normalizedPath()}): input
   * {@code image} of raw intensities with dynamic spatial sizes, output {@code image} normalised
   * as {@code serving_default} normalises it.
   */
  public static final String NORMALIZE_SIGNATURE_KEY = "normalize";
  /**
   * Exports with request-statistics normalisation: {@code serving_default} (same inputs and
   * outputs) on an {@code image} already normalised by {@link #NORMALIZE_SIGNATURE_KEY}.
   */
  public static final String PREDICT_NORMALIZED_SIGNATURE_KEY = "predict_normalized";
  /** TF Serving's default signature key. */
  public static final String SIGNATURE_KEY = Signature.DEFAULT_KEY;
  /** The Predict API's method name; TF Serving rejects signatures without it. */
  public static final String METHOD_NAME = "tensorflow/serving/predict";
  /** Signature input: the raw float32 image batch. */
  public static final String INPUT_IMAGE = "image";
  /** Signature output: per-pixel class probabilities, float32. */
  public static final String OUTPUT_PROBABILITIES = "probabilities";
  /** Signature output: per-pixel class ids, int32. */
  public static final String OUTPUT_LABELS = "labels";
  /** The SavedModel tag TF Serving loads. */
  public static final String TAG = "serve";

  private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]*");

  private final String checkpointPrefix;
  /** Warm-up examples, empty for no warm-up file. */
  private final List<WarmupInput> warmupInputs;
  private final int warmupCount;
  /** Written into {@link ModelRecord#SAVED_MODEL_FOLDER}; null for none. */
  private final ModelRecord record;
  private final VersionPublisher publisher = new VersionPublisher();

  /**
   * @param checkpointPrefix the prefix given to {@code Session.save} (the files are
   *     {@code <prefix>.index} and {@code <prefix>.data-*})
   */
  public SavedModelExporter(String checkpointPrefix) {
    this(checkpointPrefix, List.of(), 0, null);
  }

  private SavedModelExporter(String checkpointPrefix, List<WarmupInput> warmupInputs,
      int warmupCount, ModelRecord record) {
    if (checkpointPrefix == null || checkpointPrefix.isEmpty()) {
      throw new DelineoException("checkpoint prefix missing for export");
    }
    this.checkpointPrefix = checkpointPrefix;
    this.warmupInputs = List.copyOf(warmupInputs);
    this.warmupCount = warmupCount;
    this.record = record;
  }

  /**
   * This exporter, also writing {@code count} warm-up requests built from {@code inputs} (cycled
   * if fewer) into each exported version.
   *
   * @param inputs real or synthetic examples shaped like the image placeholder without its batch
   *     dimension; at least one
   * @param count 1 to {@value WarmupWriter#MAX_RECORDS}
   */
  public SavedModelExporter withWarmup(List<WarmupInput> inputs, int count) {
    if (inputs == null || inputs.isEmpty()) {
      throw new DelineoException("warm-up: expected at least one input, found none");
    }
    if (count < 1 || count > WarmupWriter.MAX_RECORDS) {
      throw new DelineoException("warm-up record count must be between 1 and "
          + WarmupWriter.MAX_RECORDS + ", found " + count);
    }
    return new SavedModelExporter(checkpointPrefix, inputs, count, record);
  }

  /**
   * This exporter, also writing {@code modelRecord} (the resolved config and the provenance) into
   * each exported version's {@value ModelRecord#SAVED_MODEL_FOLDER}, before the version appears.
   */
  public SavedModelExporter withRecord(ModelRecord modelRecord) {
    if (modelRecord == null) {
      throw new DelineoException("export record missing: expected a config and a provenance record");
    }
    return new SavedModelExporter(checkpointPrefix, warmupInputs, warmupCount, modelRecord);
  }

  /**
   * Exports one version. Everything that can fail on the model or the checkpoint (the PREDICT
   * graph, the signatures, the checkpoint's fit, the restore) is done before any directory is
   * created; a failed export leaves no new directory behind (neither the staging directory nor a
   * base or model directory it created).
   *
   * <p>Concurrent exporters into one model directory get distinct versions: an automatic number
   * taken by another exporter between choosing and renaming is skipped for the next free one. A
   * version directory is never replaced or merged into ({@link VersionPublisher}).
   *
   * @param baseDir TF Serving base directory; created if missing
   * @param modelName the model's directory name under {@code baseDir}
   * @param version the version number, or null for the highest existing one plus 1 (1 if none)
   * @param builder builds the PREDICT graph
   * @return the version directory written
   * @throws DelineoException if the version exists, the name or placeholder is invalid, the
   *     checkpoint is missing or does not fit the graph, or writing fails
   */
  public Path export(Path baseDir, String modelName, Long version, ModelBuilder builder) {
    if (modelName == null || !MODEL_NAME.matcher(modelName).matches()) {
      throw new DelineoException(
          "export model name must match " + MODEL_NAME.pattern() + ", found '" + modelName + "'");
    }
    if (version != null && version < 0) {
      throw new DelineoException("export version must be a non-negative integer, found " + version);
    }
    Path checkpointIndex = Path.of(checkpointPrefix + ".index");
    if (!Files.isRegularFile(checkpointIndex)) {
      throw new DelineoException(
          "checkpoint '" + checkpointPrefix + "' not found: expected the file " + checkpointIndex);
    }
    Path modelDir = baseDir.resolve(modelName);
    if (version != null) {
      VersionPublisher.checkFree(modelDir.resolve(Long.toString(version)), modelName, version);
    }
    try (Graph g = new Graph()) {
      ExportSignatures signatures = ExportSignatures.build(g, builder, warmupInputs);
      try (Session session = new Session(g)) {
        ExportChecks.restore(session, checkpointPrefix);
        return publisher.publish(modelDir, modelName, version, staging -> {
          SavedModelBundle.exporter(staging.toString())
              .withTags(TAG)
              .withSession(session)
              .withSignatures(signatures.all().toArray(new Signature[0]))
              .export();
          if (!warmupInputs.isEmpty()) {
            new WarmupWriter(modelName, signatures.warmupKey()).write(staging, warmupInputs, warmupCount);
          }
          if (record != null) {
            record.writeTo(staging.resolve(ModelRecord.SAVED_MODEL_FOLDER));
          }
        });
      }
    }
  }

  /** Test hook: called with the chosen version right before each rename attempt. */
  void onBeforeRename(LongConsumer hook) {
    publisher.onBeforeRename(hook);
  }
}
