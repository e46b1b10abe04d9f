package org.delineo.serving;

import org.tensorflow.types.TString;
import java.util.ArrayList;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.checkpoint.CheckpointFit;
import org.delineo.graph.io.SafeFiles;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Exports a trained model as a TF Serving version directory (serving-and-ecosystem.md §1–§2).
 *
 * <p>Steps: build a fresh PREDICT-mode graph with the caller's {@link ModelBuilder}; check that the
 * checkpoint holds its variables with their dtypes and shapes ({@link CheckpointFit}) and restore
 * them by name ({@code Session.restore}), all before any directory is created; add {@code probabilities}
 * (softmax over the last axis, float32) and {@code labels} (argmax, int32); attach the signature
 * {@code serving_default} with method name {@code tensorflow/serving/predict}, input {@code image}
 * and those two outputs; write the SavedModel (tag {@code serve}) into a staging directory
 * {@code <base>/<model>/.tmp-<model>-<random>}, fsync every file TensorFlow wrote there (its
 * SavedModel writer is not relied on to) and the directories, and only then rename it atomically to
 * {@code <base>/<model>/<version>} and fsync the model directory ({@link SafeFiles#publishDirectory}).
 * TF Serving ignores the non-integer staging name, so it never sees a half-written version, and a
 * version that has appeared survives a power cut whole; the serving config naming it is written
 * after this returns. An existing version is never overwritten, and concurrent exporters
 * get distinct versions. With
 * {@link #withWarmup} the warm-up file ({@link WarmupWriter}) is written into the staging
 * directory too, so the version appears together with it.
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
  /** Signature of encoded images (see {@link #bytesSignature}). */
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
  private LongConsumer beforeRename = v -> {};

  /**
   * @param checkpointPrefix the prefix given to {@code Session.save} (the files are
   *     {@code <prefix>.index} and {@code <prefix>.data-*})
   */
  public SavedModelExporter(String checkpointPrefix) {
    this(checkpointPrefix, List.of(), 0);
  }

  private SavedModelExporter(String checkpointPrefix, List<WarmupInput> warmupInputs,
      int warmupCount) {
    if (checkpointPrefix == null || checkpointPrefix.isEmpty()) {
      throw new DelineoException("checkpoint prefix missing for export");
    }
    this.checkpointPrefix = checkpointPrefix;
    this.warmupInputs = List.copyOf(warmupInputs);
    this.warmupCount = warmupCount;
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
    return new SavedModelExporter(checkpointPrefix, inputs, count);
  }

  /**
   * Exports one version. Everything that can fail on the model or the checkpoint (the PREDICT
   * graph, the signatures, the checkpoint's fit, the restore) is done before any directory is
   * created; a failed export leaves no new directory behind (neither the staging directory nor a
   * base or model directory it created).
   *
   * <p>Concurrent exporters into one model directory get distinct versions: an automatic number
   * taken by another exporter between choosing and renaming is skipped for the next free one. A
   * version directory is never replaced or merged into: the rename only targets a name that does
   * not exist, and a rename onto a (non-empty) version created meanwhile fails.
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
      checkFree(modelDir.resolve(Long.toString(version)), modelName, version);
    }
    try (Graph g = new Graph()) {
      Signatures signatures = buildSignatures(g, builder);
      CheckpointFit.check(g, Path.of(checkpointPrefix));
      try (Session session = new Session(g)) {
        restore(session);
        return writeVersion(session, signatures, modelDir, modelName, version);
      }
    }
  }

  /** Test hook: called with the chosen version right before each rename attempt. */
  void onBeforeRename(LongConsumer hook) {
    this.beforeRename = hook;
  }

  /** The signatures of the PREDICT graph and the one warm-up requests (image only) call. */
  private record Signatures(List<Signature> all, String warmupKey) {}

  /** Writes the restored session as a new version of {@code modelDir}; returns its directory. */
  private Path writeVersion(Session session, Signatures signatures, Path modelDir, String modelName, Long version) {
    List<Path> created = createDirectories(modelDir);
    Path staging = null;
    boolean moved = false;
    try {
      staging = createStaging(modelDir, modelName);
      SavedModelBundle.exporter(staging.toString())
          .withTags(TAG)
          .withSession(session)
          .withSignatures(signatures.all().toArray(new Signature[0]))
          .export();
      if (!warmupInputs.isEmpty()) {
        new WarmupWriter(modelName, signatures.warmupKey()).write(staging, warmupInputs, warmupCount);
      }
      Path target = moveIntoPlace(staging, modelDir, modelName, version);
      moved = true;
      return target;
    } catch (IOException e) {
      throw new DelineoException("exporting model '" + modelName + "' into " + modelDir + " failed: "
          + e.getMessage(), e);
    } finally {
      if (!moved) {
        if (staging != null) {
          // Best effort: a leftover staging directory is not a version and TF Serving ignores it.
          SafeFiles.deleteTreeQuietly(staging);
        }
        removeIfEmpty(created);
      }
    }
  }

  /**
   * Renames the complete staging directory to its version; an automatic version taken meanwhile by
   * another exporter moves on to the next free number. Linux's rename(2) silently replaces an
   * empty directory, so the target must not exist at all; onto a non-empty one it fails, and the
   * loser of a race sees the winner's version on disk.
   */
  private Path moveIntoPlace(Path staging, Path modelDir, String modelName, Long version) throws IOException {
    long v = version != null ? version : ModelVersions.next(modelDir);
    while (true) {
      Path target = modelDir.resolve(Long.toString(v));
      beforeRename.accept(v);
      if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        try {
          // Synced, then one rename(2) on the same file system: the version appears complete or
          // not at all, and stays once it has appeared.
          SafeFiles.durable().publishDirectory(staging, target);
          return target;
        } catch (FileSystemException e) {
          // ENOTEMPTY (a plain FileSystemException) or EEXIST (FileAlreadyExistsException, also
          // from publishDirectory's own check): someone else took the name.
          if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw e;
          }
        }
      }
      if (version != null) {
        checkFree(target, modelName, v);
      }
      v = Math.max(v + 1, ModelVersions.next(modelDir));
    }
  }

  private static void checkFree(Path target, String modelName, long v) {
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new DelineoException("version " + v + " of model '" + modelName + "' already exists at "
          + target + "; versions are never overwritten");
    }
  }

  /** Builds the PREDICT graph with its outputs and signatures in {@code g}. */
  private Signatures buildSignatures(Graph g, ModelBuilder builder) {
    GraphContext ctx = GraphContext.create(g, Mode.PREDICT, 0L);
    PredictGraph predict = builder.build(ctx);
    checkImage(predict.image());
    checkModalityMask(predict.modalityMask(), predict.image().shape());
    checkWarmupInputs(predict.image().shape());
    Ops tf = ctx.tf();
    Operand<TFloat32> logits = predict.logits();
    checkLogits(logits);
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
    return new Signatures(signatures, mask == null ? SIGNATURE_KEY : ALL_MODALITIES_SIGNATURE_KEY);
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
    checkNormalizedPath(path, predict);
    Operand<TFloat32> logits = path.logits();
    checkLogits(logits);
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

  /**
   * The raw input is a placeholder of the image's rank and channels with dynamic batch and spatial
   * sizes; the normalised input is a placeholder shaped exactly like {@code image}; a mask goes
   * with it exactly when {@code serving_default} has one.
   */
  private static void checkNormalizedPath(NormalizedPath path, PredictGraph predict) {
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

  private static void checkLogits(Operand<TFloat32> logits) {
    Shape s = logits.shape();
    if (s.isUnknown() || s.numDimensions() < 2 || s.get(s.numDimensions() - 1) <= 0) {
      throw new ShapeMismatchException(
          "export logits: expected a static class axis last ([N, ..., K]), found shape " + s);
    }
  }

  /** The mask, if any, must be bool [-1, M] with M the image's channel (modality) count. */
  private static void checkModalityMask(Operand<TBool> mask, Shape image) {
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
  private static void checkImage(Operand<TFloat32> image) {
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
  private void checkWarmupInputs(Shape image) {
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

  private void restore(Session session) {
    try {
      session.restore(checkpointPrefix);
    } catch (TensorFlowException e) {
      throw new DelineoException("restoring checkpoint '" + checkpointPrefix
          + "' into the PREDICT graph failed (do the variable names and shapes match?): "
          + e.getMessage(), e);
    }
  }

  /** Creates {@code dir} and any missing parents; returns those it created, outermost first. */
  private static List<Path> createDirectories(Path dir) {
    List<Path> missing = new ArrayList<>();
    for (Path p = dir.toAbsolutePath().normalize(); p != null && !Files.exists(p); p = p.getParent()) {
      missing.add(0, p);
    }
    try {
      SafeFiles.durable().createDirectories(dir);
    } catch (IOException e) {
      removeIfEmpty(missing);
      throw new DelineoException("cannot create export directory " + dir + ": " + e.getMessage(), e);
    }
    return missing;
  }

  /**
   * Removes the directories an export created, innermost first, where still empty: a concurrent
   * exporter may have put its own version or staging directory there meanwhile.
   */
  private static void removeIfEmpty(List<Path> created) {
    for (int i = created.size() - 1; i >= 0; i--) {
      try {
        Files.deleteIfExists(created.get(i));
      } catch (IOException e) {
        return; // not empty (or not ours to remove): the directories above it stay too
      }
    }
  }

  /** A fresh staging directory in the model directory: same file system, so the rename is atomic. */
  private static Path createStaging(Path modelDir, String modelName) {
    try {
      return SafeFiles.durable().createStagingDirectory(modelDir, modelName);
    } catch (IOException e) {
      throw new DelineoException(
          "cannot create a staging directory in " + modelDir + ": " + e.getMessage(), e);
    }
  }
}
