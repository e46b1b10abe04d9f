package org.delineo.serving.load;

import java.util.Arrays;
import java.util.Map;
import org.delineo.serving.ExportContract;
import org.delineo.serving.Prediction;
import org.delineo.serving.SavedModelExporter;
import org.delineo.serving.rest.ServingTensor;
import org.delineo.serving.rest.TfServingClient;
import org.delineo.serving.rest.TfServingException;

/**
 * A {@link ModelCall} to a model on TF Serving: each input goes whole, as a batch of one, in one
 * Predict request to {@code serving_all_modalities} (multi-modal exports, all modalities present)
 * or {@code serving_default}, and the answer is the {@code probabilities} and {@code labels} the
 * server returned, with the shapes it returned them in. There is no sliding window here: the
 * request sizes must suit the model (any size for dynamic exports). Safe from several threads, as
 * {@link TfServingClient} is. A server-side failure (e.g. a request of the wrong channel count) is
 * a {@link TfServingException} carrying the server's message.
 */
public final class RestModelCall implements ModelCall {
  private final TfServingClient client;
  private final String signature;
  /** The image input's shape in the signature, batch axis first (-1 where dynamic); null if unknown. */
  private final long[] imageShape;

  private RestModelCall(TfServingClient client, String signature, long[] imageShape) {
    this.client = client;
    this.signature = signature;
    this.imageShape = imageShape;
  }

  /**
   * Reads the model's metadata once to choose the signature.
   *
   * @throws org.delineo.graph.DelineoException if the signatures break the {@link ExportContract}
   */
  public static RestModelCall of(TfServingClient client) {
    ExportContract contract = ExportContract.fromMetadata(client.metadata().signatures(),
        "model at " + client.modelUrl());
    return new RestModelCall(client, contract.imageSignature(), contract.imageShape());
  }

  /** The signature requests go to. */
  public String signature() {
    return signature;
  }

  /** The signature's image shape, batch axis first, -1 where dynamic; null where the rank is unknown. */
  public long[] imageShape() {
    return imageShape == null ? null : imageShape.clone();
  }

  @Override
  public Prediction predict(float[] image, int[] shape) {
    long[] dims = new long[shape.length + 1];
    dims[0] = 1;
    for (int i = 0; i < shape.length; i++) {
      dims[i + 1] = shape[i];
    }
    var answer = client.predict(Map.of(SavedModelExporter.INPUT_IMAGE, ServingTensor.ofFloats(image, dims)), signature);
    ServingTensor probabilities = answer.output(SavedModelExporter.OUTPUT_PROBABILITIES);
    ServingTensor labels = answer.output(SavedModelExporter.OUTPUT_LABELS);
    long[] p = probabilities.shape();
    if (p.length < 2 || p[0] != 1) {
      throw new TfServingException("model at " + client.modelUrl() + " answered input " + Arrays.toString(dims)
          + " with probabilities " + Arrays.toString(p) + "; expected [1, spatial..., classes]", client.modelUrl(),
          200, null);
    }
    int[] spatial = new int[p.length - 2];
    for (int i = 0; i < spatial.length; i++) {
      spatial[i] = Math.toIntExact(p[i + 1]);
    }
    return new Prediction(spatial, Math.toIntExact(p[p.length - 1]), probabilities.floats(), labels.ints());
  }
}
