package org.delineo.serving.rest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * TfServingClient against {@link FakeTfServing}: the exact requests it sends (request bodies are
 * hand-written JSON) and how it reads TF Serving's documented responses and errors. Every call
 * waits at most 1 s (connect and request timeouts); float comparisons are exact (tolerance 0),
 * since every value used is exactly representable.
 */
class TfServingClientTest {
  private FakeTfServing server;

  @BeforeEach
  void start() throws IOException {
    server = new FakeTfServing();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private TfServingClient.Builder client() {
    return TfServingClient.builder(server.baseUrl() + "/", "seg")
        .connectTimeout(Duration.ofSeconds(1))
        .requestTimeout(Duration.ofSeconds(1));
  }

  @Test
  void rowPredictSendsInstancesAndStacksNamedPredictions() {
    server.respond(
        200,
        "{\"predictions\": ["
            + "{\"probabilities\": [[0.25, 0.75], [1, 0]], \"labels\": [1, 0]},"
            + "{\"probabilities\": [[0.5, 0.5], [0.0, 1.0]], \"labels\": [0, 1]}]}");
    Map<String, ServingTensor> inputs = new LinkedHashMap<>();
    inputs.put("image", ServingTensor.ofFloats(new float[] {1, 2, 3, 4}, 2, 2, 1));
    inputs.put("modality_mask", ServingTensor.ofBools(new boolean[] {true, false, false, true}, 2, 2));

    Prediction p = client().version(3).build().predict(inputs, "serving_default");

    FakeTfServing.Received r = server.only();
    assertEquals("POST", r.method());
    assertEquals("/v1/models/seg/versions/3:predict", r.path());
    assertEquals("application/json", r.contentType());
    assertEquals(
        "{\"signature_name\":\"serving_default\",\"instances\":["
            + "{\"image\":[[1.0],[2.0]],\"modality_mask\":[true,false]},"
            + "{\"image\":[[3.0],[4.0]],\"modality_mask\":[false,true]}]}",
        r.body());
    ServingTensor probs = p.output("probabilities");
    assertArrayEquals(new long[] {2, 2, 2}, probs.shape());
    assertArrayEquals(
        new float[] {0.25f, 0.75f, 1, 0, 0.5f, 0.5f, 0, 1}, probs.floats(), 0f, "tolerance 0");
    assertArrayEquals(new long[] {2, 2}, p.output("labels").shape());
    assertArrayEquals(new int[] {1, 0, 0, 1}, p.output("labels").ints());
  }

  @Test
  void columnarPredictSendsInputsToTheLabelAndReadsOutputs() {
    server.respond(
        200, "{\"outputs\": {\"labels\": [[1, 2]], \"mask_png_bytes\": [{\"b64\": \"AQID\"}]}}");
    Map<String, ServingTensor> inputs =
        Map.of("image", ServingTensor.ofFloats(new float[] {0.5f, -2.25f, 1e-5f, Float.NaN}, 1, 2, 2));

    Prediction p =
        client().label("stable").build().predict(inputs, null, RequestFormat.COLUMNAR);

    FakeTfServing.Received r = server.only();
    assertEquals("/v1/models/seg/labels/stable:predict", r.path());
    assertEquals("{\"inputs\":{\"image\":[[[0.5,-2.25],[1.0E-5,NaN]]]}}", r.body());
    assertArrayEquals(new long[] {1, 2}, p.output("labels").shape());
    assertArrayEquals(new int[] {1, 2}, p.output("labels").ints());
    ServingTensor mask = p.output("mask_png_bytes");
    assertArrayEquals(new long[] {1}, mask.shape());
    // "AQID" is base64 of bytes 1, 2, 3
    assertArrayEquals(new byte[] {1, 2, 3}, mask.bytes().get(0));
  }

  @Test
  void bytesInputsGoAsB64AndASingleOutputComesBackUnnamed() {
    server.respond(200, "{\"predictions\": [[0.125, 0.875]]}");
    byte[] pngMagic = {(byte) 0x89, 'P', 'N', 'G'};
    Map<String, ServingTensor> inputs =
        Map.of("image_bytes", ServingTensor.ofBytes(List.of(pngMagic), 1));

    Prediction p = client().build().predict(inputs);

    FakeTfServing.Received r = server.only();
    assertEquals("/v1/models/seg:predict", r.path());
    // 89 50 4E 47 in base64, worked by hand: 100010 010101 000001 001110 010001 11(0000) -> iVBORw==
    assertEquals("{\"instances\":[{\"image_bytes\":{\"b64\":\"iVBORw==\"}}]}", r.body());
    assertEquals(List.of(Prediction.UNNAMED), List.copyOf(p.outputs().keySet()));
    assertArrayEquals(new long[] {1, 2}, p.single().shape());
    assertArrayEquals(new float[] {0.125f, 0.875f}, p.single().floats(), 0f, "tolerance 0");
  }

  @Test
  void columnarSingleOutputIsABareTensor() {
    // TF Serving's half_plus_three example answer, in columnar form
    server.respond(200, "{\"outputs\": [3.5, 4.0, 5.5]}");
    Prediction p =
        client()
            .format(RequestFormat.COLUMNAR)
            .build()
            .predict(Map.of("x", ServingTensor.ofFloats(new float[] {1, 2, 5}, 3)));
    assertEquals("{\"inputs\":{\"x\":[1.0,2.0,5.0]}}", server.only().body());
    assertArrayEquals(new float[] {3.5f, 4f, 5.5f}, p.single().floats(), 0f, "tolerance 0");
  }

  @Test
  void statusListsVersionsWithStateAndError() {
    server.respond(
        200,
        "{\"model_version_status\": ["
            + "{\"version\": \"123\", \"state\": \"AVAILABLE\","
            + " \"status\": {\"error_code\": \"OK\", \"error_message\": \"\"}},"
            + "{\"version\": \"122\", \"state\": \"END\","
            + " \"status\": {\"error_code\": \"NOT_FOUND\", \"error_message\": \"gone\"}}]}");

    List<ModelVersionStatus> status = client().build().status();

    FakeTfServing.Received r = server.only();
    assertEquals("GET", r.method());
    assertEquals("/v1/models/seg", r.path());
    assertEquals("", r.body());
    assertEquals(
        List.of(
            new ModelVersionStatus(123, "AVAILABLE", "OK", ""),
            new ModelVersionStatus(122, "END", "NOT_FOUND", "gone")),
        status);
    assertTrue(status.get(0).isAvailable());
    assertFalse(status.get(1).isAvailable());
  }

  @Test
  void metadataGivesSignaturesWithDtypesAndShapes() {
    server.respond(
        200,
        "{\"model_spec\": {\"name\": \"seg\", \"signature_name\": \"\", \"version\": \"3\"},"
            + " \"metadata\": {\"signature_def\": {\"signature_def\": {\"serving_default\": {"
            + "  \"inputs\": {\"image\": {\"dtype\": \"DT_FLOAT\", \"name\": \"image:0\","
            + "    \"tensor_shape\": {\"dim\": [{\"size\": \"-1\", \"name\": \"\"},"
            + "      {\"size\": \"4\", \"name\": \"\"}, {\"size\": \"4\", \"name\": \"\"},"
            + "      {\"size\": \"1\", \"name\": \"\"}], \"unknown_rank\": false}}},"
            + "  \"outputs\": {\"labels\": {\"dtype\": \"DT_INT32\", \"name\": \"ArgMax:0\","
            + "    \"tensor_shape\": {\"dim\": [{\"size\": \"-1\"}, {\"size\": 4},"
            + "      {\"size\": \"4\"}], \"unknown_rank\": false}}},"
            + "  \"method_name\": \"tensorflow/serving/predict\"}}}}}");

    ModelMetadata m = client().version(3).build().metadata();

    FakeTfServing.Received r = server.only();
    assertEquals("GET", r.method());
    assertEquals("/v1/models/seg/versions/3/metadata", r.path());
    assertEquals("seg", m.modelName());
    assertEquals(3, m.version());
    SignatureInfo sig = m.signatures().get("serving_default");
    assertEquals("tensorflow/serving/predict", sig.methodName());
    assertEquals(
        new TensorInfo("image:0", "DT_FLOAT", List.of(-1L, 4L, 4L, 1L), false),
        sig.inputs().get("image"));
    assertEquals(
        new TensorInfo("ArgMax:0", "DT_INT32", List.of(-1L, 4L, 4L), false),
        sig.outputs().get("labels"));
  }

  @Test
  void httpErrorCarriesStatusAndTfServingMessage() {
    server.respond(400, "{ \"error\": \"Input to reshape is a tensor with 3 values\" }");
    TfServingClient c = client().build();
    TfServingException e = assertThrows(TfServingException.class, c::status);
    String url = server.baseUrl() + "/v1/models/seg";
    assertEquals(400, e.httpStatus());
    assertEquals(url, e.url());
    assertEquals(
        "TF Serving answered HTTP 400 to GET " + url
            + ": Input to reshape is a tensor with 3 values",
        e.getMessage());
  }

  @Test
  void httpErrorWithoutJsonShowsTheBody() {
    server.respond(503, "upstream unavailable");
    TfServingException e = assertThrows(TfServingException.class, client().build()::metadata);
    assertEquals(503, e.httpStatus());
    assertTrue(e.getMessage().contains("HTTP 503"), e.getMessage());
    assertTrue(e.getMessage().contains("upstream unavailable"), e.getMessage());
    assertTrue(e.getMessage().contains(server.baseUrl() + "/v1/models/seg/metadata"), e.getMessage());
  }

  @Test
  void malformedJsonNamesUrlAndWhatWasExpected() {
    server.respond(200, "{\"predictions\": [1, 2,]}");
    Map<String, ServingTensor> inputs = Map.of("x", ServingTensor.ofFloats(new float[] {1}, 1));
    TfServingException e =
        assertThrows(TfServingException.class, () -> client().build().predict(inputs));
    assertTrue(e.getMessage().contains(server.baseUrl() + "/v1/models/seg:predict"), e.getMessage());
    assertTrue(e.getMessage().contains("expected a value but found ']'"), e.getMessage());
  }

  @Test
  void wrongResponseShapeNamesTheMissingKey() {
    server.respond(200, "{\"outputs\": [1]}");
    Map<String, ServingTensor> inputs = Map.of("x", ServingTensor.ofFloats(new float[] {1}, 1));
    TfServingException e =
        assertThrows(TfServingException.class, () -> client().build().predict(inputs));
    assertTrue(e.getMessage().contains("expected \"predictions\""), e.getMessage());
    assertTrue(e.getMessage().contains("found keys [outputs]"), e.getMessage());
    assertTrue(e.getMessage().contains(server.baseUrl()), e.getMessage());
  }

  @Test
  void slowServerTimesOutNamingUrlAndTimeout() {
    server.stall();
    TfServingClient c = client().requestTimeout(Duration.ofMillis(300)).build();
    long start = System.nanoTime();
    TfServingException e = assertThrows(TfServingException.class, c::status);
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertTrue(elapsedMs < 1500, "gave up after " + elapsedMs + " ms, expected about 300");
    assertEquals(0, e.httpStatus());
    assertTrue(e.getMessage().contains(server.baseUrl() + "/v1/models/seg"), e.getMessage());
    assertTrue(e.getMessage().contains("300 ms (request timeout)"), e.getMessage());
  }

  @Test
  void closedPortIsConnectionRefusedNamingUrl() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    TfServingClient c =
        TfServingClient.builder("http://127.0.0.1:" + port, "seg")
            .connectTimeout(Duration.ofSeconds(1))
            .requestTimeout(Duration.ofSeconds(1))
            .build();
    TfServingException e = assertThrows(TfServingException.class, c::status);
    assertTrue(
        e.getMessage().startsWith("connection refused by http://127.0.0.1:" + port + "/v1/models/seg"),
        e.getMessage());
  }

  @Test
  void rowFormatRejectsInputsWithDifferentBatchSizes() {
    Map<String, ServingTensor> inputs = new LinkedHashMap<>();
    inputs.put("image", ServingTensor.ofFloats(new float[2], 2, 1));
    inputs.put("modality_mask", ServingTensor.ofBools(new boolean[3], 3, 1));
    DelineoException e =
        assertThrows(DelineoException.class, () -> client().build().predict(inputs));
    assertTrue(e.getMessage().contains("'image' has 2, 'modality_mask' has 3"), e.getMessage());
    assertTrue(server.received().isEmpty(), "nothing may be sent");
  }

  @Test
  void builderRejectsBadNamesAndUrls() {
    assertThrows(DelineoException.class, () -> TfServingClient.builder("host:8501", "seg"));
    assertThrows(DelineoException.class, () -> TfServingClient.builder("http://h", "a/b"));
    assertThrows(DelineoException.class, () -> client().label("x:y"));
    assertEquals(
        server.baseUrl() + "/v1/models/seg/versions/7",
        client().label("stable").version(7).build().modelUrl());
  }
}
