package org.delineo.serving;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.Tensors;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.BooleanNdArray;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * In-JVM inference with a SavedModel written by {@link SavedModelExporter}: loads it (tag
 * {@code serve}), feeds its {@code serving_default} signature ({@code serving_all_modalities} where
 * the model has one: all modalities present) and returns per-voxel class
 * probabilities and labels.
 *
 * <p>Multi-modal models (exports whose {@code serving_default} takes {@code modality_mask}) take a
 * per-request mask, {@code predict(image, shape, mask)} with one flag per modality (channel, in the
 * model's channel order; false = missing): the request then goes to {@code serving_default} with
 * that mask, repeated for every image or window of the call. Without a mask all modalities count
 * as present ({@code serving_all_modalities}). Send the intensities of a missing modality as zeros,
 * as training zeroes them; the mask is what tells the model they are missing.
 *
 * <p>Inputs whose spatial size differs from the window (the model's fixed input size, or the
 * configured window on dynamic axes) go through sliding-window inference: windows with the
 * configured overlap, the last one on each axis aligned to the border, probabilities averaged
 * uniformly over the windows covering a voxel and labels the argmax of that average. An input
 * smaller than the window on an axis is padded at its end ({@link PadMode}) and cropped back.
 * Works for 2D ({@code H, W, C}) and 3D ({@code D, H, W, C}) models. The windowing is
 * {@link WindowedInference}'s, which {@code delineo predict --server} shares over REST.
 *
 * <p>Exports that normalise raw intensities with statistics of the request (BraTS' per-case brain
 * z-score, slice datasets' min-max) would normalise each window on its own. When the model has
 * the signatures {@code normalize} and {@code predict_normalized} ({@link SavedModelExporter}),
 * sliding-window inference first normalises the WHOLE input in one {@code normalize} call (a
 * volume given to a 2D model: all its slices in that one call, i.e. per-volume min-max) and then
 * slides {@code predict_normalized} over the result, with the mask where given; padding at the
 * border then pads normalised values. Inputs that fit the window, and models exported without
 * those signatures, are predicted as before (each model call normalises what it is given).
 *
 * <p>Requests are checked before any model call: the rank ({@code H, W, C} or {@code D, H, W, C}),
 * positive sizes, the model's channel count, the value count against the shape and the mask
 * length; and the values must be finite. NaN and infinities are rejected (a
 * {@link DelineoException} naming the first one's index) rather than predicted: through the
 * softmax, and through per-request normalisation across the whole input, a single one would turn
 * answers into NaN probabilities with arbitrary labels. Missing data is sent as zeros.
 *
 * <p>Thread safety: one Predictor may serve any number of threads at once. Its state is fixed at
 * {@link #load}; every call builds its own tensors, sliding window and outputs, and the model
 * calls go through TensorFlow's {@code Session.run}, which is thread-safe. Callers must not
 * change an input array while its call runs, and must not {@link #close} while calls are in
 * flight.
 *
 * <pre>{@code
 * try (Predictor p = Predictor.load(Path.of("exports/unet/1"),
 *     SlidingWindowOptions.defaults().withWindow(128, 128))) {
 *   Prediction out = p.predict(pixels, new int[] {512, 512, 1});
 * }
 * }</pre>
 */
public final class Predictor implements AutoCloseable {
  private final Path dir;
  private final SavedModelBundle bundle;
  /** The export's signatures, checked at load. */
  private final ExportContract contract;
  /** Image only: serving_all_modalities for multi-modal models, else serving_default. */
  private final SessionFunction function;
  /** serving_default with image and modality_mask; null for models without a mask. */
  private final SessionFunction maskedFunction;
  /** The signature normalize (whole raw input in, normalised input out); null for exports without it. */
  private final SessionFunction normalizeFunction;
  /** The signature predict_normalized (serving_default on normalised input); null with normalizeFunction. */
  private final SessionFunction normalizedFunction;
  /** The signature predict_logits (image, and modality_mask where the model takes one); null for exports without it. */
  private final SessionFunction logitsFunction;
  /** The contract's modalities(), spatial() and channels(), read once: every call checks its input against them. */
  private final int modalities;
  private final long[] inputSpatial;
  private final long inputChannels;
  private final SlidingWindowOptions options;
  /** Window choice, tiling and averaging, shared with delineo predict --server. */
  private final WindowedInference windows;
  /** This model's calls, for {@link #windows}. */
  private final WindowedInference.ModelCalls calls = new WindowedInference.ModelCalls() {
    @Override
    public float[] probabilities(float[] inputs, int count, int[] spatial, int channels, boolean[] mask,
        boolean normalized) {
      return run(inputs, count, spatial, channels, mask, normalized).probabilities;
    }

    @Override
    public float[] normalize(float[] values, int count, int[] spatial, int channels) {
      return Predictor.this.normalize(values, count, spatial, channels);
    }
  };

  private Predictor(Path dir, SavedModelBundle bundle, ExportContract contract, SlidingWindowOptions options,
      WindowedInference windows) {
    this.dir = dir;
    this.bundle = bundle;
    this.contract = contract;
    this.function = bundle.function(contract.imageSignature());
    this.maskedFunction = contract.modalities() > 0 ? bundle.function(SavedModelExporter.SIGNATURE_KEY) : null;
    this.normalizeFunction = contract.normalizes() ? bundle.function(SavedModelExporter.NORMALIZE_SIGNATURE_KEY) : null;
    this.normalizedFunction = contract.normalizes()
        ? bundle.function(SavedModelExporter.PREDICT_NORMALIZED_SIGNATURE_KEY) : null;
    this.logitsFunction = contract.signatureKeys().contains(SavedModelExporter.LOGITS_SIGNATURE_KEY)
        ? bundle.function(SavedModelExporter.LOGITS_SIGNATURE_KEY) : null;
    this.modalities = contract.modalities();
    this.inputSpatial = contract.spatial();
    this.inputChannels = contract.channels();
    this.options = options;
    this.windows = windows;
  }

  /** Loads a SavedModel version directory with the default sliding-window options. */
  public static Predictor load(Path dir) {
    return load(dir, SlidingWindowOptions.defaults());
  }

  /**
   * Loads a SavedModel version directory.
   *
   * @throws DelineoException if the directory is missing or unusable, its signatures break the
   *     {@link ExportContract} (including {@link ExportContract#requireInProcess()}), or the
   *     configured window does not fit the model's input
   */
  public static Predictor load(Path dir, SlidingWindowOptions options) {
    if (!Files.isDirectory(dir)) {
      throw new DelineoException("SavedModel directory not found: " + dir);
    }
    if (!Files.isRegularFile(dir.resolve("saved_model.pb"))) {
      throw new DelineoException("no saved_model.pb in SavedModel directory " + dir);
    }
    SavedModelBundle bundle;
    try {
      bundle = SavedModelBundle.load(dir.toString(), SavedModelExporter.TAG);
    } catch (TensorFlowException | IllegalArgumentException e) {
      throw new DelineoException("loading the SavedModel in " + dir + " with tag '"
          + SavedModelExporter.TAG + "' failed: " + e.getMessage(), e);
    }
    try {
      ExportContract contract = ExportContract.fromSignatureDefs(bundle.metaGraphDef().getSignatureDefMap(),
          "SavedModel " + dir).requireInProcess();
      WindowedInference windows = new WindowedInference(contract.spatial(), options, "the model in " + dir);
      return new Predictor(dir, bundle, contract, options, windows);
    } catch (RuntimeException e) {
      bundle.close();
      throw e;
    }
  }

  /** The export's signature contract: input size, channels, modality mask and signatures. */
  public ExportContract contract() {
    return contract;
  }

  /**
   * Predicts one image or volume with all modalities present.
   *
   * @param image row-major values of shape {@code shape}
   * @param shape {@code H, W, C} or {@code D, H, W, C} (no batch axis); a volume given to a 2D
   *     model is predicted as its D slices, all in one call when they fit the window
   */
  public Prediction predict(float[] image, int[] shape) {
    return predict(image, shape, null);
  }

  /**
   * Predicts one image or volume of a multi-modal model with some modalities missing.
   *
   * @param image row-major values of shape {@code shape}; channels of missing modalities should be
   *     zeros (as training zeroes them)
   * @param shape as for {@link #predict(float[], int[])}
   * @param modalityMask one flag per modality in channel order, false = missing; null = all present
   * @throws DelineoException if a mask is given to a model without {@code modality_mask}, or its
   *     length is not the contract's {@link ExportContract#modalities()}
   */
  public Prediction predict(float[] image, int[] shape, boolean[] modalityMask) {
    boolean[] mask = checkMask(modalityMask);
    if (inputSpatial.length == 2 && shape != null && shape.length == 4) {
      return predictSlices(checkPresent(image), shape, mask);
    }
    int[] spatial = checkInput(image, shape);
    int channels = shape[shape.length - 1];
    if (windows.fits(spatial)) {
      return runDirect(List.of(image), spatial, channels, mask).get(0);
    }
    return windows.slide(image, spatial, channels, mask, normalizeFunction != null, calls);
  }

  /** A copy of the mask after checking it fits the model; null stays null (all present). */
  private boolean[] checkMask(boolean[] mask) {
    if (mask == null) {
      return null;
    }
    if (modalities == 0) {
      throw new DelineoException("modality mask " + Arrays.toString(mask) + ": the model in " + dir
          + " takes none (its signature '" + SavedModelExporter.SIGNATURE_KEY + "' has no input '"
          + SavedModelExporter.INPUT_MODALITY_MASK + "'); expected no mask");
    }
    if (mask.length != modalities) {
      throw new ShapeMismatchException("modality mask " + Arrays.toString(mask) + ": the model in "
          + dir + " expects " + modalities + " flags (one per modality channel), found " + mask.length);
    }
    return mask.clone();
  }

  /**
   * A volume {@code [D, H, W, C]} with a 2D model: its D slices. When a slice fits the model's
   * window they all go in ONE call, whatever the batch size, because exports of slice datasets
   * min-max scale over the whole request (NormalizationKind.MIN_MAX_PER_REQUEST in training),
   * which then equals training's per-volume scaling. Slices that need sliding windows are
   * normalised together in one {@code normalize} call, the same per-volume scaling, and then slid
   * one by one with {@code predict_normalized}; exports without those signatures scale each
   * window call on its own.
   */
  private Prediction predictSlices(float[] volume, int[] shape, boolean[] mask) {
    int depth = shape[0];
    int[] sliceShape = Arrays.copyOfRange(shape, 1, 4);
    List<float[]> slices = checkSlices(volume, shape);
    int[] spatial = checkInput(slices.get(0), sliceShape);
    if (windows.fits(spatial)) {
      return WindowedInference.stack(runDirect(slices, spatial, sliceShape[2], mask), spatial);
    }
    return windows.slideSlices(volume, depth, spatial, sliceShape[2], mask, normalizeFunction != null, calls);
  }

  /** A volume {@code [D, H, W, C]} for a 2D model checked (sizes, value count, finite) and cut into its D slices. */
  private static List<float[]> checkSlices(float[] volume, int[] shape) {
    int depth = shape[0];
    int[] sliceShape = Arrays.copyOfRange(shape, 1, 4);
    if (depth <= 0) {
      throw new ShapeMismatchException("predict input shape: sizes must be positive, found " + Arrays.toString(shape));
    }
    long size = (long) depth * sliceShape[0] * sliceShape[1] * sliceShape[2];
    if (volume.length != size) {
      throw new ShapeMismatchException("predict input of shape " + Arrays.toString(shape) + " needs "
          + size + " values, found " + volume.length);
    }
    checkFinite(volume, shape);
    int per = volume.length / depth;
    List<float[]> slices = new ArrayList<>(depth);
    for (int z = 0; z < depth; z++) {
      slices.add(Arrays.copyOfRange(volume, z * per, (z + 1) * per));
    }
    return slices;
  }

  /**
   * The raw class logits of one image or volume, from the export's {@code predict_logits}
   * signature in ONE model call (a volume given to a 2D model: all its D slices in that call, as
   * {@link #predict} sends them), for checking equivalence with a reference implementation;
   * {@code softmax} of them is what {@link #predict} answers for the same input.
   *
   * <p>Only inputs that fit the window are accepted: averaging logits over sliding windows would
   * give numbers the model never produced, and {@code predict_logits} has no normalised-input
   * variant, so windows of exports that normalise with request statistics would be normalised
   * one by one, unlike {@link #predict}'s.
   *
   * @param image row-major values of shape {@code shape}
   * @param shape {@code H, W, C} or {@code D, H, W, C}
   * @param modalityMask as for {@link #predict(float[], int[], boolean[])}; null = all present
   * @throws DelineoException if the export has no {@code predict_logits}, the input would need
   *     sliding windows, or the input or mask does not fit the model
   */
  public Logits logits(float[] image, int[] shape, boolean[] modalityMask) {
    boolean[] mask = checkMask(modalityMask);
    boolean slices = inputSpatial.length == 2 && shape != null && shape.length == 4;
    int count = 1;
    int[] spatial;
    if (slices) {
      spatial = checkInput(checkSlices(checkPresent(image), shape).get(0), Arrays.copyOfRange(shape, 1, 4));
      count = shape[0];
    } else {
      spatial = checkInput(image, shape);
    }
    if (logitsFunction == null) {
      throw new DelineoException("SavedModel " + dir + " has no signature '" + SavedModelExporter.LOGITS_SIGNATURE_KEY
          + "'; expected an export that has it, found " + contract.signatureKeys());
    }
    if (!windows.fits(spatial)) {
      throw new ShapeMismatchException("logits of input " + Arrays.toString(shape) + ": the model in " + dir
          + " takes windows of " + Arrays.toString(windows.window(spatial)) + ", so this input needs sliding windows;"
          + " logits are given only for inputs the model takes in one call (expected spatial size "
          + Arrays.toString(windows.window(spatial)) + ", or a dynamic-size model without a window)");
    }
    int channels = shape[shape.length - 1];
    long[] dims = WindowedInference.batchDims(count, spatial, channels);
    // predict_logits of a multi-modal export takes the mask: all present when none is given.
    boolean[] fed = mask == null && modalities > 0 ? allPresent() : mask;
    int[] outShape = slices ? new int[] {shape[0], spatial[0], spatial[1]} : spatial.clone();
    return call(logitsFunction, "'" + SavedModelExporter.LOGITS_SIGNATURE_KEY + "' of ", image, dims, fed, count,
        result -> {
          Tensor logits = output(result, SavedModelExporter.OUTPUT_LOGITS);
          long[] l = logits.shape().asArray();
          long[] expected = Arrays.copyOf(dims, dims.length - 1);
          if (l.length != dims.length || !Arrays.equals(Arrays.copyOf(l, l.length - 1), expected)) {
            throw new ShapeMismatchException("the model in " + dir + " answered '"
                + SavedModelExporter.LOGITS_SIGNATURE_KEY + "' input " + Shape.of(dims) + " with logits "
                + logits.shape() + "; expected " + Shape.of(expected) + " plus a class axis (outputs at input resolution)");
          }
          return new Logits(outShape, (int) l[l.length - 1], Tensors.toFloats(logits));
        });
  }

  /**
   * Predicts several images or volumes of one shape; whole inputs that fit the window are sent
   * together, up to the batch size per model call.
   */
  public List<Prediction> predictBatch(List<float[]> images, int[] shape) {
    if (images.isEmpty()) {
      return List.of();
    }
    int[] spatial = null;
    for (float[] image : images) {
      spatial = checkInput(image, shape);
    }
    int channels = shape[shape.length - 1];
    if (windows.fits(spatial)) {
      List<Prediction> out = new ArrayList<>(images.size());
      for (int from = 0; from < images.size(); from += options.batchSize()) {
        int to = Math.min(images.size(), from + options.batchSize());
        out.addAll(runDirect(images.subList(from, to), spatial, channels, null));
      }
      return out;
    }
    List<Prediction> out = new ArrayList<>(images.size());
    for (float[] image : images) {
      out.add(predict(image, shape));
    }
    return out;
  }

  /** The values and shape of one request, checked; its spatial size. */
  private int[] checkInput(float[] image, int[] shape) {
    checkPresent(image);
    int n = inputSpatial.length;
    if (shape == null || shape.length != n + 1) {
      throw new ShapeMismatchException("predict input shape: expected " + (n + 1) + " sizes ("
          + (n == 2 ? "H, W, C" : "D, H, W, C") + ") for the model in " + dir + ", found "
          + Arrays.toString(shape));
    }
    long size = 1;
    for (int s : shape) {
      if (s <= 0) {
        throw new ShapeMismatchException(
            "predict input shape: sizes must be positive, found " + Arrays.toString(shape));
      }
      size *= s;
    }
    if (inputChannels > 0 && shape[n] != inputChannels) {
      throw new ShapeMismatchException("predict input: the model in " + dir + " expects "
          + inputChannels + " channels, found " + shape[n] + " (shape " + Arrays.toString(shape)
          + ")");
    }
    if (image.length != size) {
      throw new ShapeMismatchException("predict input of shape " + Arrays.toString(shape)
          + " needs " + size + " values, found " + image.length);
    }
    checkFinite(image, shape);
    return Arrays.copyOf(shape, n);
  }

  private static float[] checkPresent(float[] image) {
    if (image == null) {
      throw new DelineoException("predict input: expected the image's values, found none (null)");
    }
    return image;
  }

  /** Rejects NaN and infinities (see the class comment), naming the first one's place. */
  private static void checkFinite(float[] image, int[] shape) {
    for (int i = 0; i < image.length; i++) {
      if (!Float.isFinite(image[i])) {
        int channels = shape[shape.length - 1];
        throw new DelineoException("predict input of shape " + Arrays.toString(shape) + ": value " + image[i]
            + " at index " + i + " (voxel " + i / channels + ", channel " + i % channels
            + "); expected finite values (send missing data as zeros)");
      }
    }
  }

  /** Whole inputs in one call; the model's own labels are kept. */
  private List<Prediction> runDirect(List<float[]> images, int[] spatial, int channels, boolean[] mask) {
    int per = images.get(0).length;
    float[] batch = new float[per * images.size()];
    for (int i = 0; i < images.size(); i++) {
      System.arraycopy(images.get(i), 0, batch, i * per, per);
    }
    ModelOutput out = run(batch, images.size(), spatial, channels, mask, false);
    int voxels = (int) VoxelBoxes.voxels(spatial);
    List<Prediction> predictions = new ArrayList<>(images.size());
    for (int i = 0; i < images.size(); i++) {
      predictions.add(new Prediction(spatial.clone(), out.classes,
          Arrays.copyOfRange(out.probabilities, i * voxels * out.classes,
              (i + 1) * voxels * out.classes),
          Arrays.copyOfRange(out.labels, i * voxels, (i + 1) * voxels)));
    }
    return predictions;
  }

  /** The model's outputs for one batch, copied out of the tensors. */
  private record ModelOutput(float[] probabilities, int[] labels, int classes) {}

  /**
   * One model call; a non-null mask goes to serving_default, repeated for each of the count inputs.
   * {@code normalized}: the call goes to predict_normalized instead, which for multi-modal models
   * always takes a mask (all present when {@code mask} is null, as serving_all_modalities).
   */
  private ModelOutput run(float[] batch, int count, int[] spatial, int channels, boolean[] mask,
      boolean normalized) {
    long[] dims = WindowedInference.batchDims(count, spatial, channels);
    boolean[] fed = normalized && mask == null && modalities > 0 ? allPresent() : mask;
    SessionFunction f = normalized ? normalizedFunction : fed == null ? function : maskedFunction;
    return call(f, "", batch, dims, fed, count, result -> {
      Tensor probs = output(result, SavedModelExporter.OUTPUT_PROBABILITIES);
      Tensor labels = output(result, SavedModelExporter.OUTPUT_LABELS);
      long[] p = probs.shape().asArray();
      long[] expected = Arrays.copyOf(dims, dims.length - 1);
      if (p.length != dims.length || !Arrays.equals(Arrays.copyOf(p, p.length - 1), expected)
          || !Arrays.equals(labels.shape().asArray(), expected)) {
        throw new ShapeMismatchException("the model in " + dir + " answered input " + Shape.of(dims)
            + " with probabilities " + probs.shape() + " and labels " + labels.shape()
            + "; expected " + Shape.of(expected) + " plus a class axis (outputs at input resolution)");
      }
      return new ModelOutput(Tensors.toFloats(probs), Tensors.toInts(labels), (int) p[p.length - 1]);
    });
  }

  /**
   * Feeds {@code batch} (shape {@code dims}) and, when non-null, the mask repeated for each of the
   * {@code count} inputs, runs {@code f} and reads its result while the tensors are open.
   *
   * @param what the signature, for the error message ({@code ""} for the prediction signatures)
   */
  private <T> T call(SessionFunction f, String what, float[] batch, long[] dims, boolean[] mask, int count,
      Function<Result, T> read) {
    Shape inputShape = Shape.of(dims);
    try (TFloat32 input = Tensors.floats(inputShape, batch);
        TBool maskTensor = mask == null ? null : maskTensor(mask, count);
        Result result = f.call(maskTensor == null
            ? Map.<String, Tensor>of(SavedModelExporter.INPUT_IMAGE, input)
            : Map.<String, Tensor>of(SavedModelExporter.INPUT_IMAGE, input,
                SavedModelExporter.INPUT_MODALITY_MASK, maskTensor))) {
      return read.apply(result);
    } catch (TensorFlowException e) {
      throw new DelineoException("running " + what + "the model in " + dir + " on input " + inputShape
          + " failed: " + e.getMessage(), e);
    }
  }

  /** A modality mask with every modality present. */
  private boolean[] allPresent() {
    boolean[] all = new boolean[modalities];
    Arrays.fill(all, true);
    return all;
  }

  /**
   * {@code count} whole raw inputs of one shape through {@code normalize} in ONE call, so the
   * statistics are those of the whole request (per sample for z-score, over all of it for min-max).
   */
  private float[] normalize(float[] values, int count, int[] spatial, int channels) {
    Shape shape = Shape.of(WindowedInference.batchDims(count, spatial, channels));
    try (TFloat32 input = Tensors.floats(shape, values);
        Result result = normalizeFunction.call(Map.<String, Tensor>of(SavedModelExporter.INPUT_IMAGE, input))) {
      Tensor out = output(result, SavedModelExporter.INPUT_IMAGE);
      if (!out.shape().equals(shape)) {
        throw new ShapeMismatchException("the model in " + dir + " answered '"
            + SavedModelExporter.NORMALIZE_SIGNATURE_KEY + "' input " + shape + " with image " + out.shape()
            + "; expected " + shape);
      }
      return Tensors.toFloats(out);
    } catch (TensorFlowException e) {
      throw new DelineoException("running '" + SavedModelExporter.NORMALIZE_SIGNATURE_KEY + "' of the model in "
          + dir + " on input " + shape + " failed: " + e.getMessage(), e);
    }
  }

  /** The mask as bool {@code [count, M]}, the same row for every input of the call. */
  private static TBool maskTensor(boolean[] mask, int count) {
    BooleanNdArray rows = NdArrays.ofBooleans(Shape.of(count, mask.length));
    for (int i = 0; i < count; i++) {
      for (int m = 0; m < mask.length; m++) {
        rows.setBoolean(mask[m], i, m);
      }
    }
    return TBool.tensorOf(rows);
  }

  private Tensor output(Result result, String name) {
    return result.get(name).orElseThrow(() -> new DelineoException(
        "the model in " + dir + " returned no output '" + name + "'; found " + result.keySet()));
  }

  /** Releases the model's session and graph. */
  @Override
  public void close() {
    bundle.close();
  }
}
