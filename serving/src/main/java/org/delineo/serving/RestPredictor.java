package org.delineo.serving;

import java.util.Arrays;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.serving.rest.ServingTensor;
import org.delineo.serving.rest.TfServingClient;

/**
 * Label maps from a model on TF Serving ({@code delineo predict --server}), predicted as
 * {@link Predictor} predicts them in this JVM. The model's signatures and input shape come from
 * TF Serving's metadata, read once into an {@link ExportContract}. An input that fits the model
 * (its fixed spatial size, or any size for dynamic models without a configured window) goes whole
 * in one Predict request. A larger one (or any, with a configured window) is predicted by the
 * {@link WindowedInference} that {@link Predictor} uses, with Predict requests as its model calls:
 * for exports with {@code normalize} and {@code predict_normalized}, {@code normalize} once on the
 * whole input and then {@code predict_normalized} on batches of windows of the result; for older
 * exports windows of the raw input to the same signature as a whole input would go to.
 *
 * <p>Safe from several threads, as {@link TfServingClient} is: the state is fixed at construction.
 */
public final class RestPredictor implements WindowedInference.ModelCalls {
  private final TfServingClient client;
  /** How messages name the model, e.g. "model 'NAME' on URL". */
  private final String model;
  private final ExportContract contract;
  /** Null where the metadata gives no image rank: every input then goes whole. */
  private final WindowedInference windows;
  /** Whether the image is {@code [-1, H, W, C]}: a volume then goes as its slices. */
  private final boolean model2d;

  /**
   * Reads the model's metadata.
   *
   * @param model how messages name the model, e.g. "model 'seg' on http://host:8501"
   * @param options the sliding windows; a configured window needs an image of known rank
   * @throws DelineoException if the signatures break the {@link ExportContract} or the window does
   *     not fit the model
   */
  public RestPredictor(TfServingClient client, String model, SlidingWindowOptions options) {
    this.client = client;
    this.model = model;
    this.contract = ExportContract.fromMetadata(client.metadata().signatures(), model);
    long[] spatial = contract.spatial();
    this.model2d = spatial != null && spatial.length == 2;
    if (spatial != null) {
      this.windows = new WindowedInference(spatial, options, model);
    } else if (options.window() != null) {
      throw new DelineoException("sliding window " + Arrays.toString(options.window()) + ": " + model
          + " signature '" + SavedModelExporter.SIGNATURE_KEY + "': expected an input '" + SavedModelExporter.INPUT_IMAGE
          + "' of rank 4 [-1, H, W, C] or 5 [-1, D, H, W, C] to slide windows over, found unknown rank");
    } else {
      this.windows = null;
    }
  }

  /**
   * The label ids of one raw image or volume.
   *
   * @param image row-major values of shape {@code shape}
   * @param shape {@code H, W, C} or {@code D, H, W, C}; a volume given to a 2D model is predicted
   *     as its D slices
   * @param mask one flag per modality, false = missing (sent with {@code serving_default}); null =
   *     all present
   * @throws DelineoException if a mask is given to a model that takes none
   */
  public int[] labels(float[] image, int[] shape, boolean[] mask) {
    if (mask != null && contract.modalities() == 0) {
      throw new DelineoException(model + ": signature '" + SavedModelExporter.SIGNATURE_KEY + "' has no input '"
          + SavedModelExporter.INPUT_MODALITY_MASK + "', so missing modalities cannot be declared; expected a"
          + " multi-modal export, found inputs "
          + contract.signature(SavedModelExporter.SIGNATURE_KEY).inputs().keySet());
    }
    // A volume for a 2D model goes as its D slices: in ONE request when they fit, since the
    // export min-max scales over the whole request, which then equals training's per-volume
    // scaling; through one normalize call of all of them when they need windows.
    boolean slices = model2d && shape.length == 4;
    int channels = shape[shape.length - 1];
    int[] spatial = slices ? Arrays.copyOfRange(shape, 1, 3) : Arrays.copyOf(shape, shape.length - 1);
    if (windows != null && spatial.length == (model2d ? 2 : 3) && !windows.fits(spatial)) {
      return slices ? windows.slideSlices(image, shape[0], spatial, channels, mask, contract.normalizes(), this).labels()
          : windows.slide(image, spatial, channels, mask, contract.normalizes(), this).labels();
    }
    long[] batched = new long[slices ? shape.length : shape.length + 1];
    if (!slices) {
      batched[0] = 1;
    }
    for (int i = 0; i < shape.length; i++) {
      batched[slices ? i : i + 1] = shape[i];
    }
    return client.predict(inputs(image, batched, mask), mask == null ? contract.imageSignature()
        : SavedModelExporter.SIGNATURE_KEY).output(SavedModelExporter.OUTPUT_LABELS).ints();
  }

  @Override
  public float[] probabilities(float[] inputs, int count, int[] spatial, int channels, boolean[] mask,
      boolean normalized) {
    long[] dims = WindowedInference.batchDims(count, spatial, channels);
    boolean[] fed = mask;
    if (normalized && mask == null && contract.modalities() > 0) {
      // predict_normalized of a multi-modal export always takes the mask: all present.
      fed = new boolean[contract.modalities()];
      Arrays.fill(fed, true);
    }
    String key = normalized ? SavedModelExporter.PREDICT_NORMALIZED_SIGNATURE_KEY
        : fed == null ? contract.imageSignature() : SavedModelExporter.SIGNATURE_KEY;
    ServingTensor probabilities = client.predict(inputs(inputs, dims, fed), key)
        .output(SavedModelExporter.OUTPUT_PROBABILITIES);
    long[] p = probabilities.shape();
    if (p.length != dims.length || !Arrays.equals(Arrays.copyOf(p, p.length - 1), Arrays.copyOf(dims, dims.length - 1))) {
      throw new ShapeMismatchException(model + " answered '" + key + "' input " + Arrays.toString(dims)
          + " with probabilities " + Arrays.toString(p) + "; expected " + Arrays.toString(Arrays.copyOf(dims,
          dims.length - 1)) + " plus a class axis (outputs at input resolution)");
    }
    return probabilities.floats();
  }

  @Override
  public float[] normalize(float[] values, int count, int[] spatial, int channels) {
    long[] dims = WindowedInference.batchDims(count, spatial, channels);
    // normalize has one output, whose alias TF Serving's row format leaves out.
    ServingTensor out = client.predict(inputs(values, dims, null), SavedModelExporter.NORMALIZE_SIGNATURE_KEY)
        .single();
    if (!Arrays.equals(out.shape(), dims)) {
      throw new ShapeMismatchException(model + " answered '" + SavedModelExporter.NORMALIZE_SIGNATURE_KEY
          + "' input " + Arrays.toString(dims) + " with image " + Arrays.toString(out.shape()) + "; expected "
          + Arrays.toString(dims));
    }
    return out.floats();
  }

  /** The image, and with a mask the mask repeated for every row of the request. */
  private static Map<String, ServingTensor> inputs(float[] image, long[] dims, boolean[] mask) {
    if (mask == null) {
      return Map.of(SavedModelExporter.INPUT_IMAGE, ServingTensor.ofFloats(image, dims));
    }
    int rows = (int) dims[0];
    boolean[] maskRows = new boolean[rows * mask.length];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(mask, 0, maskRows, r * mask.length, mask.length);
    }
    return Map.of(SavedModelExporter.INPUT_IMAGE, ServingTensor.ofFloats(image, dims),
        SavedModelExporter.INPUT_MODALITY_MASK, ServingTensor.ofBools(maskRows, rows, mask.length));
  }
}
