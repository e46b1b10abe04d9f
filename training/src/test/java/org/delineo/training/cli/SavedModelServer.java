package org.delineo.training.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.delineo.graph.Tensors;
import org.delineo.graph.io.JsonReader;
import org.delineo.serving.rest.JsonWriter;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.BooleanNdArray;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TString;

/**
 * A test fixture that plays TF Serving's REST API over a loaded SavedModel: metadata from its
 * SignatureDefs and row-format predict requests run through the named signature's function (the
 * alias left out of the response for single-output signatures, as TF Serving does); a request the
 * model rejects is answered HTTP 400 with TF Serving's {@code {"error": ...}} body. Records every
 * request in {@link #requests}.
 */
final class SavedModelServer implements AutoCloseable {
  /** One request the fake saw: "METHOD path", the signature, image shape and mask rows of a predict. */
  record Call(String what, String signature, long[] image, List<boolean[]> masks) {
    @Override
    public String toString() {
      return what + " " + signature + " " + Arrays.toString(image) + " masks " + masks.size();
    }
  }

  final List<Call> requests = Collections.synchronizedList(new ArrayList<>());
  private final HttpServer http;
  private final ExecutorService executor;
  private final SavedModelBundle bundle;

  /** Serves {@code bundle} (which the caller closes, after this) on a loopback port. */
  SavedModelServer(SavedModelBundle bundle) throws IOException {
    this.bundle = bundle;
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    // Requests are answered concurrently, as TF Serving does: load tests then exercise the client
    // and the SavedModel's session from several threads at once.
    executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "saved-model-server");
      t.setDaemon(true);
      return t;
    });
    http.setExecutor(executor);
    http.createContext("/", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String path = exchange.getRequestURI().getPath();
      int status = 200;
      String response;
      try {
        response = path.endsWith("/metadata") ? metadata(path) : predict(path, body);
      } catch (RuntimeException e) {
        status = 400;
        response = JsonWriter.write(Map.of("error", String.valueOf(e)));
      }
      byte[] bytes = response.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    http.start();
  }

  String url() {
    return "http://" + http.getAddress().getHostString() + ":" + http.getAddress().getPort();
  }

  private String metadata(String path) {
    requests.add(new Call("GET " + path, null, null, List.of()));
    Map<String, Object> defs = new LinkedHashMap<>();
    bundle.metaGraphDef().getSignatureDefMap().forEach((key, def) -> {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("inputs", infos(def.getInputsMap()));
      entry.put("outputs", infos(def.getOutputsMap()));
      entry.put("method_name", def.getMethodName());
      defs.put(key, entry);
    });
    return JsonWriter.write(Map.of("model_spec", Map.of("name", "tiny", "signature_name", "", "version", "1"),
        "metadata", Map.of("signature_def", Map.of("signature_def", defs))));
  }

  private static Map<String, Object> infos(Map<String, org.tensorflow.proto.TensorInfo> map) {
    Map<String, Object> out = new LinkedHashMap<>();
    map.forEach((alias, info) -> {
      TensorShapeProto shape = info.getTensorShape();
      List<Object> dims = new ArrayList<>();
      shape.getDimList().forEach(d -> dims.add(Map.of("size", Long.toString(d.getSize()))));
      out.put(alias, Map.of("dtype", info.getDtype().name(), "name", info.getName(),
          "tensor_shape", Map.of("dim", dims, "unknown_rank", shape.getUnknownRank())));
    });
    return out;
  }

  private String predict(String path, String body) {
    Map<?, ?> request = (Map<?, ?>) JsonReader.parse(body);
    String signature = (String) request.get("signature_name");
    List<?> instances = (List<?>) request.get("instances");
    List<Object> images = new ArrayList<>();
    List<boolean[]> masks = new ArrayList<>();
    for (Object instance : instances) {
      Map<?, ?> row = (Map<?, ?>) instance;
      images.add(row.get("image"));
      if (row.containsKey("modality_mask")) {
        List<Float> flags = new ArrayList<>();
        flatten(row.get("modality_mask"), flags);
        boolean[] m = new boolean[flags.size()];
        for (int i = 0; i < m.length; i++) {
          m[i] = flags.get(i) != 0f;
        }
        masks.add(m);
      }
    }
    List<Long> dims = new ArrayList<>();
    for (Object level = images; level instanceof List<?> l; level = l.get(0)) {
      dims.add((long) l.size());
    }
    long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
    requests.add(new Call("POST " + path, signature, shape, masks));
    List<Float> values = new ArrayList<>();
    flatten(images, values);
    float[] image = new float[values.size()];
    for (int i = 0; i < image.length; i++) {
      image[i] = values.get(i);
    }
    SignatureDef def = bundle.metaGraphDef().getSignatureDefMap().get(signature);
    try (TFloat32 in = Tensors.floats(Shape.of(shape), image);
        TBool maskTensor = masks.isEmpty() ? null : bools(masks);
        Result result = bundle.function(signature).call(maskTensor == null ? Map.<String, Tensor>of("image", in)
            : Map.<String, Tensor>of("image", in, "modality_mask", maskTensor))) {
      List<Map<String, Object>> rows = new ArrayList<>();
      List<Object> unnamed = new ArrayList<>();
      for (String alias : def.getOutputsMap().keySet()) {
        Tensor t = result.get(alias).orElseThrow();
        long[] s = t.shape().asArray();
        Object[] flat;
        if (t instanceof TString strings) {
          // Byte strings (e.g. mask_png_bytes) go as {"b64": ...}, as TF Serving writes them.
          flat = new Object[(int) strings.size()];
          for (int i = 0; i < flat.length; i++) {
            flat[i] = Map.of("b64", Base64.getEncoder().encodeToString(strings.asBytes().getObject(i)));
          }
        } else if (t instanceof TInt32) {
          flat = Arrays.stream(Tensors.toInts(t)).boxed().toArray();
        } else {
          float[] f = Tensors.toFloats(t);
          flat = new Object[f.length];
          for (int i = 0; i < f.length; i++) {
            flat[i] = f[i];
          }
        }
        int per = flat.length / (int) s[0];
        for (int b = 0; b < s[0]; b++) {
          Object row = nest(flat, b * per, Arrays.copyOfRange(s, 1, s.length));
          if (def.getOutputsCount() == 1) {
            unnamed.add(row);
          } else {
            if (rows.size() <= b) {
              rows.add(new LinkedHashMap<>());
            }
            rows.get(b).put(alias, row);
          }
        }
      }
      return JsonWriter.write(Map.of("predictions", def.getOutputsCount() == 1 ? unnamed : rows));
    }
  }

  private static TBool bools(List<boolean[]> masks) {
    BooleanNdArray rows = NdArrays.ofBooleans(Shape.of(masks.size(), masks.get(0).length));
    for (int i = 0; i < masks.size(); i++) {
      for (int m = 0; m < masks.get(i).length; m++) {
        rows.setBoolean(masks.get(i)[m], i, m);
      }
    }
    return TBool.tensorOf(rows);
  }

  private static void flatten(Object json, List<Float> out) {
    if (json instanceof List<?> l) {
      l.forEach(e -> flatten(e, out));
    } else if (json instanceof Boolean b) {
      out.add(b ? 1f : 0f);
    } else {
      // Parse the text as a float, not via double: as TF Serving reads a float32 input.
      out.add(Float.parseFloat(json.toString()));
    }
  }

  private static Object nest(Object[] flat, int offset, long[] shape) {
    if (shape.length == 0) {
      return flat[offset];
    }
    int per = 1;
    for (int i = 1; i < shape.length; i++) {
      per *= (int) shape[i];
    }
    List<Object> out = new ArrayList<>();
    for (int i = 0; i < shape[0]; i++) {
      out.add(nest(flat, offset + i * per, Arrays.copyOfRange(shape, 1, shape.length)));
    }
    return out;
  }

  @Override
  public void close() {
    http.stop(0);
    executor.shutdownNow();
  }
}
