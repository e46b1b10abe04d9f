package org.delineo.serving;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.delineo.graph.ShapeMismatchException;

/**
 * The sliding-window prediction of {@link Predictor}, independent of how the model is reached, so
 * that the in-JVM {@link Predictor} and a TF Serving REST client ({@code delineo predict --server})
 * tile, normalise and average alike: the window is the model's fixed input size (else the
 * configured window on dynamic axes, else the whole input); windows overlap as
 * {@link SlidingWindowOptions} says and go {@link SlidingWindowOptions#batchSize()} per model
 * call through {@link SlidingWindow} ({@link SlidingWindow.Fit#PAD}); probabilities are averaged
 * uniformly over the windows covering a voxel and labels are the argmax of that average.
 *
 * <p>When the model has the signatures {@code normalize} and {@code predict_normalized}
 * ({@code normalizes} true), the whole raw input goes through {@link ModelCalls#normalize} in ONE
 * call (for a volume given to a 2D model: all its slices in that call) and the windows of the
 * result go to {@code predict_normalized}; otherwise every window call normalises what it is
 * given, as exports without those signatures always did.
 *
 * <p>Immutable and safe to share between threads: each call builds its own {@link SlidingWindow}
 * and buffers; concurrency beyond that is the {@link ModelCalls}' to provide.
 */
public final class WindowedInference {

  /** How the model is called: a session in this JVM, or Predict requests to TF Serving. */
  public interface ModelCalls {
    /**
     * One model call on {@code count} inputs of one size.
     *
     * @param inputs {@code [count, spatial..., channels]} row-major
     * @param mask one flag per modality (false = missing), the same for every input; null = all
     *     present
     * @param normalized true: {@code inputs} come from {@link #normalize} and go to
     *     {@code predict_normalized}; false: raw inputs for {@code serving_default} (with the mask)
     *     or {@code serving_all_modalities}
     * @return probabilities {@code [count, spatial..., classes]} row-major
     */
    float[] probabilities(float[] inputs, int count, int[] spatial, int channels, boolean[] mask,
        boolean normalized);

    /**
     * {@code count} whole raw inputs {@code [count, spatial..., channels]} through the signature
     * {@code normalize} in one call; the normalised values, same shape.
     */
    float[] normalize(float[] values, int count, int[] spatial, int channels);
  }

  private final long[] inputSpatial;
  private final SlidingWindowOptions options;

  /**
   * @param inputSpatial the model's spatial input size from its signature, -1 on dynamic axes
   * @param options the window (must equal the model's size on fixed axes), overlap, batch size and
   *     padding
   * @param model how error messages name the model, e.g. "the model in exports/seg/1"
   * @throws ShapeMismatchException if the configured window has another rank than the model or
   *     differs from its fixed size on some axis
   */
  public WindowedInference(long[] inputSpatial, SlidingWindowOptions options, String model) {
    int[] window = options.window();
    if (window != null) {
      if (window.length != inputSpatial.length) {
        throw new ShapeMismatchException("sliding window " + Arrays.toString(window)
            + ": expected " + inputSpatial.length + " spatial sizes for " + model);
      }
      for (int i = 0; i < inputSpatial.length; i++) {
        if (inputSpatial[i] > 0 && inputSpatial[i] != window[i]) {
          throw new ShapeMismatchException("sliding window " + Arrays.toString(window)
              + " does not fit the fixed input size " + Arrays.toString(inputSpatial)
              + " of " + model + " (axis " + i + ")");
        }
      }
    }
    this.inputSpatial = inputSpatial.clone();
    this.options = options;
  }

  /** The window for an input of spatial size {@code spatial}: fixed model size, else the configured window, else the input. */
  public int[] window(int[] spatial) {
    int[] configured = options.window();
    int[] window = new int[spatial.length];
    for (int i = 0; i < spatial.length; i++) {
      if (inputSpatial[i] > 0) {
        window[i] = (int) inputSpatial[i];
      } else if (configured != null) {
        window[i] = configured[i];
      } else {
        window[i] = spatial[i];
      }
    }
    return window;
  }

  /** Whether an input of this spatial size is its own window, i.e. goes whole in one model call. */
  public boolean fits(int[] spatial) {
    return Arrays.equals(window(spatial), spatial);
  }

  /**
   * Sliding-window prediction of one input {@code [spatial..., channels]}; with {@code normalizes}
   * the whole input is normalised once first and the windows go to {@code predict_normalized}.
   */
  public Prediction slide(float[] image, int[] spatial, int channels, boolean[] mask, boolean normalizes,
      ModelCalls model) {
    float[] source = normalizes ? model.normalize(image, 1, spatial, channels) : image;
    return slideOne(source, spatial, channels, mask, normalizes, model);
  }

  /**
   * Sliding-window prediction of a volume {@code [depth, H, W, channels]} given to a 2D model,
   * slice by slice; with {@code normalizes} all slices are normalised together in one
   * {@code normalize} call (per-volume statistics, as training scales slice datasets) first.
   * The result has shape {@code [depth, H, W]}.
   */
  public Prediction slideSlices(float[] volume, int depth, int[] spatial, int channels, boolean[] mask,
      boolean normalizes, ModelCalls model) {
    float[] source = normalizes ? model.normalize(volume, depth, spatial, channels) : volume;
    int per = source.length / depth;
    List<Prediction> predictions = new ArrayList<>(depth);
    for (int z = 0; z < depth; z++) {
      predictions.add(slideOne(Arrays.copyOfRange(source, z * per, (z + 1) * per), spatial, channels, mask,
          normalizes, model));
    }
    return stack(predictions, spatial);
  }

  /** Per-slice predictions of one spatial size stacked along a new leading axis. */
  static Prediction stack(List<Prediction> predictions, int[] spatial) {
    int depth = predictions.size();
    int classes = predictions.get(0).numClasses();
    int voxels = (int) VoxelBoxes.voxels(spatial);
    float[] probabilities = new float[depth * voxels * classes];
    int[] labels = new int[depth * voxels];
    for (int z = 0; z < depth; z++) {
      System.arraycopy(predictions.get(z).probabilities(), 0, probabilities, z * voxels * classes, voxels * classes);
      System.arraycopy(predictions.get(z).labels(), 0, labels, z * voxels, voxels);
    }
    int[] shape = new int[spatial.length + 1];
    shape[0] = depth;
    System.arraycopy(spatial, 0, shape, 1, spatial.length);
    return new Prediction(shape, classes, probabilities, labels);
  }

  /** The windows of one (raw or already normalised) input, padded at the end where it is smaller. */
  private Prediction slideOne(float[] image, int[] spatial, int channels, boolean[] mask, boolean normalized,
      ModelCalls model) {
    int[] window = window(spatial);
    int[] stride = new int[window.length];
    for (int i = 0; i < window.length; i++) {
      stride[i] = options.stride(window[i]);
    }
    SlidingWindow sliding = new SlidingWindow(window, stride, options.batchSize(), SlidingWindow.Fit.PAD,
        options.padMode());
    float[] probabilities = sliding.apply(image, spatial, channels,
        (windows, count, size) -> model.probabilities(windows, count, size, channels, mask, normalized));
    int classes = (int) (probabilities.length / VoxelBoxes.voxels(spatial));
    return new Prediction(spatial.clone(), classes, probabilities, SlidingWindow.argMax(probabilities, classes));
  }

  /** The dims {@code [count, spatial..., channels]} of a batch of {@code count} inputs. */
  public static long[] batchDims(int count, int[] spatial, int channels) {
    long[] dims = new long[spatial.length + 2];
    dims[0] = count;
    for (int i = 0; i < spatial.length; i++) {
      dims[i + 1] = spatial[i];
    }
    dims[dims.length - 1] = channels;
    return dims;
  }
}
