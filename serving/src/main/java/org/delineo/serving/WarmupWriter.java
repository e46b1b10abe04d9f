package org.delineo.serving;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.proto.serving.ModelSpec;
import org.delineo.proto.serving.PredictLog;
import org.delineo.proto.serving.PredictRequest;
import org.delineo.proto.serving.PredictionLog;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Writes TF Serving's warm-up file {@code assets.extra/tf_serving_warmup_requests} into a
 * SavedModel version directory (serving-and-ecosystem.md §1.5): a TFRecord of
 * {@code tensorflow.serving.PredictionLog} records, each a Predict request on signature
 * {@code serving_default} (or the one given; {@code serving_all_modalities} for multi-modal
 * models) with one input {@code image} of shape {@code [1, ...]}. With
 * {@code --enable_model_warmup} the server replays them before marking the version available, so
 * the first real request does not pay for graph initialisation.
 *
 * <pre>{@code
 * new WarmupWriter("unet-acdc").write(versionDir, List.of(WarmupInput.synthetic(new long[] {256, 256, 1}, 0)), 4);
 * }</pre>
 */
public final class WarmupWriter {
  /** The SavedModel subdirectory for tool-managed files. */
  public static final String ASSETS_EXTRA = "assets.extra";
  /** The file name TF Serving looks for. */
  public static final String FILE_NAME = "tf_serving_warmup_requests";
  /** TF Serving reads at most this many warm-up records. */
  public static final int MAX_RECORDS = 1000;

  private final String modelName;
  private final String signatureName;

  /** @param modelName the servable name put in each request's model spec */
  public WarmupWriter(String modelName) {
    this(modelName, SavedModelExporter.SIGNATURE_KEY);
  }

  /**
   * @param modelName the servable name put in each request's model spec
   * @param signatureName the signature the requests call; it must take {@code image} as its only
   *     input, since TF Serving rejects requests that leave out a signature input and a failing
   *     warm-up request keeps the version from loading
   */
  public WarmupWriter(String modelName, String signatureName) {
    if (modelName == null || modelName.isEmpty()) {
      throw new DelineoException("warm-up model name missing");
    }
    if (signatureName == null || signatureName.isEmpty()) {
      throw new DelineoException("warm-up signature name missing");
    }
    this.modelName = modelName;
    this.signatureName = signatureName;
  }

  /**
   * Writes {@code count} records, cycling through {@code inputs} (so a few real samples can fill
   * a larger count).
   *
   * @param versionDir the SavedModel directory (or its staging directory)
   * @param inputs the examples, at least one
   * @param count the number of records, 1 to {@value #MAX_RECORDS}
   * @return the file written
   */
  public Path write(Path versionDir, List<WarmupInput> inputs, int count) {
    if (inputs == null || inputs.isEmpty()) {
      throw new DelineoException("warm-up: expected at least one input, found none");
    }
    if (count < 1 || count > MAX_RECORDS) {
      throw new DelineoException(
          "warm-up record count must be between 1 and " + MAX_RECORDS + ", found " + count);
    }
    Path file = versionDir.resolve(ASSETS_EXTRA).resolve(FILE_NAME);
    try {
      Files.createDirectories(file.getParent());
      try (TfRecordWriter out =
          new TfRecordWriter(new BufferedOutputStream(Files.newOutputStream(file)))) {
        for (int i = 0; i < count; i++) {
          out.write(predictionLog(inputs.get(i % inputs.size())).toByteArray());
        }
      }
      return file;
    } catch (IOException e) {
      throw new DelineoException("writing warm-up requests to " + file + " failed: " + e.getMessage(), e);
    }
  }

  /** The warm-up record for one input. */
  public PredictionLog predictionLog(WarmupInput input) {
    PredictRequest request = PredictRequest.newBuilder()
        .setModelSpec(ModelSpec.newBuilder()
            .setName(modelName)
            .setSignatureName(signatureName))
        .putInputs(SavedModelExporter.INPUT_IMAGE, imageTensor(input).toByteString())
        .build();
    return PredictionLog.newBuilder()
        .setPredictLog(PredictLog.newBuilder().setRequest(request))
        .build();
  }

  /** float32 {@code [1, ...shape]}; float_val rather than tensor_content keeps it byte-order free. */
  private static TensorProto imageTensor(WarmupInput input) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
        .addDim(TensorShapeProto.Dim.newBuilder().setSize(1));
    for (long d : input.shape()) {
      shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    }
    TensorProto.Builder tensor = TensorProto.newBuilder()
        .setDtype(DataType.DT_FLOAT)
        .setTensorShape(shape);
    for (float v : input.values()) {
      tensor.addFloatVal(v);
    }
    return tensor.build();
  }
}
