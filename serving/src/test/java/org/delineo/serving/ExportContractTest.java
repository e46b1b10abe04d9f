package org.delineo.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.serving.load.RestModelCall;
import org.delineo.serving.rest.TfServingClient;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/**
 * The export contract read from hand-written SignatureDefs and from hand-written TF Serving
 * metadata JSON: what it reports, what it refuses (naming the signature, entry, expected and
 * found), and that the REST clients refuse what {@link Predictor} refuses.
 */
class ExportContractTest {
  private static final String MODEL = "SavedModel exports/m/1";

  /** A tensor entry; {@code dims} null = unknown rank. */
  private static TensorInfo entry(DataType dtype, long... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    if (dims == null) {
      shape.setUnknownRank(true);
    } else {
      for (long d : dims) {
        shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
      }
    }
    return TensorInfo.newBuilder().setDtype(dtype).setTensorShape(shape).build();
  }

  private static SignatureDef.Builder predictSignature(long[] image) {
    int rank = image == null ? 4 : image.length;
    long[] labels = new long[rank - 1];
    Arrays.fill(labels, -1);
    long[] probabilities = new long[rank];
    Arrays.fill(probabilities, -1);
    probabilities[rank - 1] = 3;
    return SignatureDef.newBuilder().setMethodName("tensorflow/serving/predict")
        .putInputs("image", entry(DataType.DT_FLOAT, image))
        .putOutputs("probabilities", entry(DataType.DT_FLOAT, probabilities))
        .putOutputs("labels", entry(DataType.DT_INT32, labels));
  }

  /**
   * What a multi-modal 3-D export of 4 modalities with the normalised path publishes:
   * serving_default (image + mask), serving_all_modalities, normalize, predict_normalized.
   */
  private static Map<String, SignatureDef> multiModal3d() {
    long[] image = {-1, 8, 16, 24, 4};
    Map<String, SignatureDef> defs = new LinkedHashMap<>();
    defs.put("serving_default", predictSignature(image)
        .putInputs("modality_mask", entry(DataType.DT_BOOL, -1, 4)).build());
    defs.put("serving_all_modalities", predictSignature(image).build());
    defs.put("normalize", SignatureDef.newBuilder()
        .putInputs("image", entry(DataType.DT_FLOAT, -1, -1, -1, -1, 4))
        .putOutputs("image", entry(DataType.DT_FLOAT, -1, -1, -1, -1, 4)).build());
    defs.put("predict_normalized", predictSignature(image)
        .putInputs("modality_mask", entry(DataType.DT_BOOL, -1, 4)).build());
    return defs;
  }

  @Test
  void describesAMultiModalExport() {
    ExportContract c = ExportContract.fromSignatureDefs(multiModal3d(), MODEL);
    assertEquals("serving_all_modalities", c.imageSignature(), "requests without a mask cannot go to serving_default");
    assertArrayEquals(new long[] {-1, 8, 16, 24, 4}, c.imageShape());
    assertArrayEquals(new long[] {8, 16, 24}, c.spatial());
    assertEquals(4, c.channels());
    assertEquals(4, c.modalities());
    assertTrue(c.normalizes());
    assertEquals(Set.of("serving_default", "serving_all_modalities", "normalize", "predict_normalized"),
        c.signatureKeys());
    assertEquals("DT_BOOL", c.signature("serving_default").inputs().get("modality_mask").dtype());
    assertSame(c, c.requireInProcess());
  }

  @Test
  void describesASingleModal2dExportWithoutTheNormalisedPath() {
    ExportContract c = ExportContract.fromSignatureDefs(
        Map.of("serving_default", predictSignature(new long[] {-1, -1, -1, 3}).build()), MODEL);
    assertEquals("serving_default", c.imageSignature());
    assertArrayEquals(new long[] {-1, -1}, c.spatial(), "dynamic H and W");
    assertEquals(3, c.channels());
    assertEquals(0, c.modalities());
    assertFalse(c.normalizes());
    assertNull(c.signature("predict_logits"));
  }

  @Test
  void refusesBrokenSignaturesNamingWhatWasExpectedAndFound() {
    DelineoException none = assertThrows(DelineoException.class,
        () -> ExportContract.fromSignatureDefs(Map.of("other", predictSignature(new long[] {-1, 4, 4, 1}).build()), MODEL));
    assertTrue(none.getMessage().contains(MODEL) && none.getMessage().contains("'serving_default'")
        && none.getMessage().contains("[other]"), none.getMessage());

    Map<String, SignatureDef> noLabels = Map.of("serving_default", predictSignature(new long[] {-1, 4, 4, 1})
        .removeOutputs("labels").build());
    DelineoException labels = assertThrows(DelineoException.class, () -> ExportContract.fromSignatureDefs(noLabels, MODEL));
    assertTrue(labels.getMessage().contains("no output 'labels'"), labels.getMessage());

    Map<String, SignatureDef> intImage = Map.of("serving_default", predictSignature(new long[] {-1, 4, 4, 1})
        .putInputs("image", entry(DataType.DT_INT32, -1, 4, 4, 1)).build());
    DelineoException dtype = assertThrows(DelineoException.class, () -> ExportContract.fromSignatureDefs(intImage, MODEL));
    assertTrue(dtype.getMessage().contains("input 'image' expected DT_FLOAT, found DT_INT32"), dtype.getMessage());

    ShapeMismatchException rank = assertThrows(ShapeMismatchException.class, () -> ExportContract.fromSignatureDefs(
        Map.of("serving_default", predictSignature(new long[] {-1, 4, 1}).build()), MODEL));
    assertTrue(rank.getMessage().contains("expected rank 4") && rank.getMessage().contains("found rank 3"),
        rank.getMessage());
  }

  @Test
  void theMaskHasOneFlagPerChannelInEverySignatureThatTakesIt() {
    Map<String, SignatureDef> wrongLength = new LinkedHashMap<>(multiModal3d());
    wrongLength.put("serving_default", predictSignature(new long[] {-1, 8, 16, 24, 4})
        .putInputs("modality_mask", entry(DataType.DT_BOOL, -1, 3)).build());
    ShapeMismatchException length = assertThrows(ShapeMismatchException.class,
        () -> ExportContract.fromSignatureDefs(wrongLength, MODEL));
    assertTrue(length.getMessage().contains("'serving_default' input 'modality_mask'")
        && length.getMessage().contains("(4)") && length.getMessage().contains("[-1, 3]"), length.getMessage());

    Map<String, SignatureDef> normalizedOther = new LinkedHashMap<>(multiModal3d());
    normalizedOther.put("predict_normalized", predictSignature(new long[] {-1, 8, 16, 24, 4})
        .putInputs("modality_mask", entry(DataType.DT_BOOL, -1, 2)).build());
    ShapeMismatchException normalized = assertThrows(ShapeMismatchException.class,
        () -> ExportContract.fromSignatureDefs(normalizedOther, MODEL));
    assertTrue(normalized.getMessage().contains("'predict_normalized' input 'modality_mask'"), normalized.getMessage());

    Map<String, SignatureDef> normalizedWithout = new LinkedHashMap<>(multiModal3d());
    normalizedWithout.put("predict_normalized", predictSignature(new long[] {-1, 8, 16, 24, 4}).build());
    DelineoException missing = assertThrows(DelineoException.class,
        () -> ExportContract.fromSignatureDefs(normalizedWithout, MODEL));
    assertTrue(missing.getMessage().contains("expected an input 'modality_mask' as in 'serving_default'"),
        missing.getMessage());

    Map<String, SignatureDef> normalize2d = new LinkedHashMap<>(multiModal3d());
    normalize2d.put("normalize", SignatureDef.newBuilder()
        .putInputs("image", entry(DataType.DT_FLOAT, -1, -1, -1, 4))
        .putOutputs("image", entry(DataType.DT_FLOAT, -1, -1, -1, 4)).build());
    ShapeMismatchException normalizeRank = assertThrows(ShapeMismatchException.class,
        () -> ExportContract.fromSignatureDefs(normalize2d, MODEL));
    assertTrue(normalizeRank.getMessage().contains("'normalize': expected image of rank 5"), normalizeRank.getMessage());
  }

  @Test
  void inProcessCallsNeedProbabilitiesAndAKnownRank() {
    ExportContract labelsOnly = ExportContract.fromSignatureDefs(Map.of("serving_default",
        predictSignature(new long[] {-1, 4, 4, 1}).removeOutputs("probabilities").build()), MODEL);
    assertArrayEquals(new long[] {4, 4}, labelsOnly.spatial(), "enough for whole inputs over REST");
    DelineoException probabilities = assertThrows(DelineoException.class, labelsOnly::requireInProcess);
    assertTrue(probabilities.getMessage().contains("no output 'probabilities'"), probabilities.getMessage());

    ExportContract unknownRank = ExportContract.fromSignatureDefs(
        Map.of("serving_default", predictSignature(null).build()), MODEL);
    assertNull(unknownRank.spatial());
    assertEquals(-1, unknownRank.channels());
    ShapeMismatchException rank = assertThrows(ShapeMismatchException.class, unknownRank::requireInProcess);
    assertTrue(rank.getMessage().contains("found unknown rank"), rank.getMessage());
  }

  /** TF Serving's metadata response for {@code signatures} (JSON objects keyed by signature). */
  private static String metadata(String signatures) {
    return "{\"model_spec\": {\"name\": \"m\", \"signature_name\": \"\", \"version\": \"1\"},"
        + " \"metadata\": {\"signature_def\": {\"signature_def\": {" + signatures + "}}}}";
  }

  private static String tensor(String dtype, long... dims) {
    StringBuilder s = new StringBuilder("{\"dtype\": \"" + dtype + "\", \"name\": \"x:0\", \"tensor_shape\": {\"dim\": [");
    for (int i = 0; i < dims.length; i++) {
      s.append(i == 0 ? "" : ", ").append("{\"size\": \"").append(dims[i]).append("\"}");
    }
    return s.append("], \"unknown_rank\": false}}").toString();
  }

  private static String signature(String key, String extraInput) {
    return "\"" + key + "\": {\"inputs\": {\"image\": " + tensor("DT_FLOAT", -1, 6, 6, 2) + extraInput + "},"
        + " \"outputs\": {\"probabilities\": " + tensor("DT_FLOAT", -1, 6, 6, 3) + ", \"labels\": "
        + tensor("DT_INT32", -1, 6, 6) + "}, \"method_name\": \"tensorflow/serving/predict\"}";
  }

  /** Runs {@code body} against a server answering every request with {@code response}. */
  private static void withServer(String response, ServerBody body) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      exchange.getRequestBody().readAllBytes();
      byte[] bytes = response.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    server.start();
    try {
      body.run(TfServingClient.builder("http://" + server.getAddress().getHostString() + ":"
          + server.getAddress().getPort(), "m").build());
    } finally {
      server.stop(0);
    }
  }

  @FunctionalInterface
  private interface ServerBody {
    void run(TfServingClient client);
  }

  @Test
  void metadataJsonGivesTheContractItsSignatureDefsGive() throws IOException {
    String mask = ", \"modality_mask\": " + tensor("DT_BOOL", -1, 2);
    withServer(metadata(signature("serving_default", mask) + ", " + signature("serving_all_modalities", "")),
        client -> {
          ExportContract c = ExportContract.fromMetadata(client.metadata().signatures(), "model 'm'");
          assertEquals("serving_all_modalities", c.imageSignature());
          assertArrayEquals(new long[] {-1, 6, 6, 2}, c.imageShape());
          assertEquals(2, c.modalities());
          assertFalse(c.normalizes());
          assertSame(c, c.requireInProcess());
          RestModelCall call = RestModelCall.of(client);
          assertEquals("serving_all_modalities", call.signature());
          assertArrayEquals(new long[] {-1, 6, 6, 2}, call.imageShape());
        });
  }

  @Test
  void restClientsRefuseWhatPredictorRefuses() throws IOException {
    // A mask of 3 flags for a 2-channel image: Predictor.load refuses such an export; before the
    // shared contract the REST path accepted it and sent masks the model could not take.
    String mask = ", \"modality_mask\": " + tensor("DT_BOOL", -1, 3);
    withServer(metadata(signature("serving_default", mask) + ", " + signature("serving_all_modalities", "")),
        client -> {
          ShapeMismatchException rest = assertThrows(ShapeMismatchException.class,
              () -> new RestPredictor(client, "model 'm'", SlidingWindowOptions.defaults()));
          assertTrue(rest.getMessage().contains("model 'm' signature 'serving_default' input 'modality_mask'")
              && rest.getMessage().contains("(2)") && rest.getMessage().contains("[-1, 3]"), rest.getMessage());
          ShapeMismatchException load = assertThrows(ShapeMismatchException.class, () -> RestModelCall.of(client));
          assertTrue(load.getMessage().contains("input 'modality_mask'"), load.getMessage());
        });
  }
}
