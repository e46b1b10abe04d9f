package org.delineo.serving.rest;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.graph.io.JsonFormatException;
import org.delineo.graph.io.JsonReader;

/**
 * A client for TensorFlow Serving's REST API ({@code --rest_api_port}, usually 8501): predict in
 * row or columnar format, model status and model metadata, for one model and optionally one
 * version or version label. Every call has a connect and a request timeout; every failure is a
 * {@link TfServingException} naming the URL.
 *
 * <p>Safe to share between threads: its settings are fixed at {@link Builder#build()}, requests
 * and responses are built and parsed per call, and {@link HttpClient} is thread-safe.
 *
 * <pre>{@code
 * TfServingClient client = TfServingClient.builder("http://host:8501", "seg").version(3).build();
 * Prediction p = client.predict(Map.of("image", ServingTensor.ofFloats(pixels, 1, 64, 64, 1)),
 *     "serving_default");
 * int[] labels = p.output("labels").ints();
 * }</pre>
 */
public final class TfServingClient {
  private final String baseUrl;
  private final String modelName;
  private final Long version;
  private final String label;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final RequestFormat defaultFormat;
  private final HttpClient http;

  private TfServingClient(Builder b) {
    this.baseUrl = b.baseUrl;
    this.modelName = b.modelName;
    this.version = b.version;
    this.label = b.label;
    this.connectTimeout = b.connectTimeout;
    this.requestTimeout = b.requestTimeout;
    this.defaultFormat = b.format;
    // HTTP/1.1: TF Serving's REST server does not speak HTTP/2, and a cleartext h2c upgrade
    // attempt only adds headers for it to ignore.
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(connectTimeout)
            .build();
  }

  /** A builder for a client of model {@code modelName} at e.g. {@code http://host:8501}. */
  public static Builder builder(String baseUrl, String modelName) {
    return new Builder(baseUrl, modelName);
  }

  /** {@code /v1/models/NAME[/versions/N|/labels/L]} under the base URL. */
  public String modelUrl() {
    String url = baseUrl + "/v1/models/" + modelName;
    if (version != null) {
      return url + "/versions/" + version;
    }
    if (label != null) {
      return url + "/labels/" + label;
    }
    return url;
  }

  /** Predicts with the server's default signature in this client's default format. */
  public Prediction predict(Map<String, ServingTensor> inputs) {
    return predict(inputs, null, defaultFormat);
  }

  /** Predicts with {@code signature} (null: the server's default) in the default format. */
  public Prediction predict(Map<String, ServingTensor> inputs, String signature) {
    return predict(inputs, signature, defaultFormat);
  }

  /**
   * POSTs {@code inputs} (by signature alias) to {@code ...:predict} and parses the outputs.
   * {@code signature} null leaves the choice to the server ({@code serving_default}).
   */
  public Prediction predict(
      Map<String, ServingTensor> inputs, String signature, RequestFormat format) {
    String url = modelUrl() + ":predict";
    String body = JsonWriter.write(requestBody(inputs, signature, format));
    Object response = call("POST", url, body);
    try {
      return format == RequestFormat.ROW
          ? ResponseParsers.fromRows(response)
          : ResponseParsers.fromColumns(response);
    } catch (JsonFormatException e) {
      throw new TfServingException(
          "unexpected predict response from " + url + ": " + e.getMessage(), url, 200, e);
    }
  }

  /** {@code GET /v1/models/NAME[/versions/N]}: the state of each version the server knows. */
  public List<ModelVersionStatus> status() {
    String url = modelUrl();
    Object response = call("GET", url, null);
    try {
      return ResponseParsers.status(response);
    } catch (JsonFormatException e) {
      throw new TfServingException(
          "unexpected status response from " + url + ": " + e.getMessage(), url, 200, e);
    }
  }

  /** {@code GET .../metadata}: signatures with their input and output dtypes and shapes. */
  public ModelMetadata metadata() {
    String url = modelUrl() + "/metadata";
    Object response = call("GET", url, null);
    try {
      return ResponseParsers.metadata(response);
    } catch (JsonFormatException e) {
      throw new TfServingException(
          "unexpected metadata response from " + url + ": " + e.getMessage(), url, 200, e);
    }
  }

  static Map<String, Object> requestBody(
      Map<String, ServingTensor> inputs, String signature, RequestFormat format) {
    if (inputs.isEmpty()) {
      throw new DelineoException("a predict request needs at least one input, found none");
    }
    Map<String, Object> body = new LinkedHashMap<>();
    if (signature != null) {
      body.put("signature_name", signature);
    }
    if (format == RequestFormat.COLUMNAR) {
      Map<String, Object> columns = new LinkedHashMap<>();
      inputs.forEach((alias, tensor) -> columns.put(alias, tensor.toJson()));
      body.put("inputs", columns);
      return body;
    }
    long rows = sharedBatchSize(inputs);
    Map<String, List<?>> nested = new LinkedHashMap<>();
    inputs.forEach((alias, tensor) -> nested.put(alias, (List<?>) tensor.toJson()));
    List<Object> instances = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      Map<String, Object> instance = new LinkedHashMap<>();
      for (Map.Entry<String, List<?>> e : nested.entrySet()) {
        instance.put(e.getKey(), e.getValue().get(i));
      }
      instances.add(instance);
    }
    body.put("instances", instances);
    return body;
  }

  /** The row format splits every input along dimension 0, so they must agree on it. */
  private static long sharedBatchSize(Map<String, ServingTensor> inputs) {
    long rows = -1;
    String first = null;
    for (Map.Entry<String, ServingTensor> e : inputs.entrySet()) {
      long[] shape = e.getValue().shape();
      if (shape.length == 0) {
        throw new DelineoException(
            "row format needs a batch dimension, but input '" + e.getKey()
                + "' is a scalar; use RequestFormat.COLUMNAR");
      }
      if (rows < 0) {
        rows = shape[0];
        first = e.getKey();
      } else if (shape[0] != rows) {
        throw new DelineoException(
            "row format needs every input to share dimension 0: '" + first + "' has " + rows
                + ", '" + e.getKey() + "' has " + shape[0] + " " + Arrays.toString(shape)
                + "; use RequestFormat.COLUMNAR");
      }
    }
    return rows;
  }

  private Object call(String method, String url, String body) {
    HttpRequest.Builder request;
    try {
      request = HttpRequest.newBuilder(URI.create(url)).timeout(requestTimeout);
    } catch (IllegalArgumentException e) {
      throw new TfServingException("invalid URL " + url + ": " + e.getMessage(), url, 0, e);
    }
    request.header("Accept", "application/json");
    if (body != null) {
      request
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    } else {
      request.GET();
    }
    HttpResponse<String> response;
    try {
      response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (HttpConnectTimeoutException e) {
      throw new TfServingException(
          "connecting to " + url + " timed out after " + connectTimeout.toMillis()
              + " ms (connect timeout)", url, 0, e);
    } catch (HttpTimeoutException e) {
      throw new TfServingException(
          method + " " + url + " got no response within " + requestTimeout.toMillis()
              + " ms (request timeout)", url, 0, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TfServingException("interrupted while waiting for " + url, url, 0, e);
    } catch (IOException e) {
      if (isConnectionRefused(e)) {
        throw new TfServingException(
            "connection refused by " + url + " (is tensorflow_model_server running with"
                + " --rest_api_port on that port?)", url, 0, e);
      }
      throw new TfServingException(method + " " + url + " failed: " + e, url, 0, e);
    }
    int status = response.statusCode();
    if (status != 200) {
      throw new TfServingException(
          "TF Serving answered HTTP " + status + " to " + method + " " + url + ": "
              + errorMessage(response.body()), url, status, null);
    }
    try {
      return JsonReader.parse(response.body());
    } catch (JsonFormatException e) {
      throw new TfServingException(
          "response from " + url + " is not valid JSON: " + e.getMessage(), url, status, e);
    }
  }

  private static boolean isConnectionRefused(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException) {
        return true;
      }
    }
    return false;
  }

  /** TF Serving's {@code {"error": "..."}} text, else the start of whatever body came back. */
  private static String errorMessage(String body) {
    try {
      if (JsonReader.parse(body) instanceof Map<?, ?> map && map.get("error") instanceof String s) {
        return s;
      }
    } catch (JsonFormatException notJson) {
      // fall through: proxies and load balancers answer with HTML or plain text
    }
    String trimmed = body.strip();
    if (trimmed.isEmpty()) {
      return "(empty body)";
    }
    return trimmed.length() > 300 ? trimmed.substring(0, 300) + "..." : trimmed;
  }

  /** Configures a {@link TfServingClient}; defaults: 5 s connect, 30 s request, ROW format. */
  public static final class Builder {
    private final String baseUrl;
    private final String modelName;
    private Long version;
    private String label;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private RequestFormat format = RequestFormat.ROW;

    private Builder(String baseUrl, String modelName) {
      String base = baseUrl.strip();
      while (base.endsWith("/")) {
        base = base.substring(0, base.length() - 1);
      }
      if (!base.startsWith("http://") && !base.startsWith("https://")) {
        throw new DelineoException(
            "TF Serving base URL must start with http:// or https://, found '" + baseUrl + "'");
      }
      this.baseUrl = base;
      this.modelName = checkSegment("model name", modelName);
    }

    /** Asks for this model version ({@code /versions/N}); clears any label. */
    public Builder version(long version) {
      if (version < 0) {
        throw new DelineoException("model version must be >= 0, found " + version);
      }
      this.version = version;
      this.label = null;
      return this;
    }

    /** Asks for the version carrying this label ({@code /labels/L}); clears any version. */
    public Builder label(String label) {
      this.label = checkSegment("version label", label);
      this.version = null;
      return this;
    }

    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive("connect timeout", timeout);
      return this;
    }

    /** The longest wait for a whole response, from sending the request. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive("request timeout", timeout);
      return this;
    }

    /** The format {@code predict} uses when none is given. */
    public Builder format(RequestFormat format) {
      this.format = java.util.Objects.requireNonNull(format, "format");
      return this;
    }

    public TfServingClient build() {
      return new TfServingClient(this);
    }

    private static Duration positive(String what, Duration d) {
      if (d == null || d.isZero() || d.isNegative()) {
        throw new DelineoException(what + " must be positive, found " + d);
      }
      return d;
    }

    /** Names end up as URL path segments; TF Serving's router splits on '/' and ':'. */
    private static String checkSegment(String what, String value) {
      if (value == null || value.isEmpty() || !value.matches("[A-Za-z0-9._-]+")) {
        throw new DelineoException(
            what + " must be letters, digits, '.', '_' or '-', found '" + value + "'");
      }
      return value;
    }
  }
}
