package org.delineo.serving.rest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.io.JsonFormatException;

/**
 * Turns parsed TF Serving REST responses into this package's types. Every shape surprise is a
 * {@link JsonFormatException} naming the JSON path and what was expected there.
 */
final class ResponseParsers {
  private ResponseParsers() {}

  /** A row-format response: {@code {"predictions": [...]}}, rows stacked along dimension 0. */
  static Prediction fromRows(Object response) {
    Object predictions = member(response, "predictions", "the response");
    if (!(predictions instanceof List<?> rows)) {
      throw new JsonFormatException(
          "expected \"predictions\" to be a list but found " + ServingTensor.describe(predictions));
    }
    Map<String, ServingTensor> outputs = new LinkedHashMap<>();
    if (rows.isEmpty() || !isNamedOutputs(rows.get(0))) {
      outputs.put(Prediction.UNNAMED, ServingTensor.fromJson(rows, "predictions"));
      return new Prediction(outputs);
    }
    // Several outputs: one object per row; stack each alias's rows back into one tensor.
    Map<?, ?> firstRow = (Map<?, ?>) rows.get(0);
    for (Object key : firstRow.keySet()) {
      String alias = (String) key;
      List<Object> column = new ArrayList<>(rows.size());
      for (int i = 0; i < rows.size(); i++) {
        Object row = rows.get(i);
        if (!(row instanceof Map<?, ?> m) || !m.containsKey(alias)) {
          throw new JsonFormatException(
              "expected predictions[" + i + "] to be an object with output \"" + alias
                  + "\" like predictions[0] but found " + ServingTensor.describe(row));
        }
        column.add(m.get(alias));
      }
      outputs.put(alias, ServingTensor.fromJson(column, "predictions[*]." + alias));
    }
    return new Prediction(outputs);
  }

  /** A columnar-format response: {@code {"outputs": {alias: tensor}}} or a bare tensor. */
  static Prediction fromColumns(Object response) {
    Object value = member(response, "outputs", "the response");
    Map<String, ServingTensor> outputs = new LinkedHashMap<>();
    if (isNamedOutputs(value)) {
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
        String alias = (String) e.getKey();
        outputs.put(alias, ServingTensor.fromJson(e.getValue(), "outputs." + alias));
      }
    } else {
      outputs.put(Prediction.UNNAMED, ServingTensor.fromJson(value, "outputs"));
    }
    return new Prediction(outputs);
  }

  /** {@code {"model_version_status": [{"version": "1", "state": ..., "status": {...}}]}}. */
  static List<ModelVersionStatus> status(Object response) {
    Object list = member(response, "model_version_status", "the status response");
    if (!(list instanceof List<?> entries)) {
      throw new JsonFormatException(
          "expected \"model_version_status\" to be a list but found "
              + ServingTensor.describe(list));
    }
    List<ModelVersionStatus> out = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      String where = "model_version_status[" + i + "]";
      Object entry = entries.get(i);
      long version = longValue(member(entry, "version", where), where + ".version");
      String state = string(member(entry, "state", where), where + ".state");
      String code = "OK";
      String message = "";
      // proto3 JSON may leave out a default (OK, empty) status entirely
      if (entry instanceof Map<?, ?> m && m.get("status") instanceof Map<?, ?> s) {
        if (s.get("error_code") != null) {
          code = string(s.get("error_code"), where + ".status.error_code");
        }
        if (s.get("error_message") != null) {
          message = string(s.get("error_message"), where + ".status.error_message");
        }
      }
      out.add(new ModelVersionStatus(version, state, code, message));
    }
    return out;
  }

  /** {@code {"model_spec": {...}, "metadata": {"signature_def": {"signature_def": {...}}}}}. */
  static ModelMetadata metadata(Object response) {
    Object spec = member(response, "model_spec", "the metadata response");
    String name = string(member(spec, "name", "model_spec"), "model_spec.name");
    Object versionValue = spec instanceof Map<?, ?> m ? m.get("version") : null;
    long version = versionValue == null ? -1 : longValue(versionValue, "model_spec.version");
    Object meta = member(response, "metadata", "the metadata response");
    Object outer = member(meta, "signature_def", "metadata");
    Object defs = member(outer, "signature_def", "metadata.signature_def");
    Map<String, SignatureInfo> signatures = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : object(defs, "metadata.signature_def.signature_def").entrySet()) {
      String key = (String) e.getKey();
      String where = "signature_def." + key;
      Object def = e.getValue();
      Object methodValue = object(def, where).get("method_name");
      String method = methodValue == null ? "" : string(methodValue, where + ".method_name");
      signatures.put(
          key,
          new SignatureInfo(
              method, tensorInfos(def, "inputs", where), tensorInfos(def, "outputs", where)));
    }
    return new ModelMetadata(name, version, signatures);
  }

  private static Map<String, TensorInfo> tensorInfos(Object def, String field, String where) {
    Map<String, TensorInfo> out = new LinkedHashMap<>();
    Object value = object(def, where).get(field);
    if (value == null) {
      return out;
    }
    for (Map.Entry<?, ?> e : object(value, where + "." + field).entrySet()) {
      String path = where + "." + field + "." + e.getKey();
      Map<?, ?> info = object(e.getValue(), path);
      String name = info.get("name") == null ? "" : string(info.get("name"), path + ".name");
      String dtype = string(member(info, "dtype", path), path + ".dtype");
      List<Long> shape = new ArrayList<>();
      boolean unknownRank = true;
      if (info.get("tensor_shape") instanceof Map<?, ?> ts) {
        unknownRank = Boolean.TRUE.equals(ts.get("unknown_rank"));
        Object dims = ts.get("dim");
        if (dims instanceof List<?> list) {
          for (int i = 0; i < list.size(); i++) {
            String dimPath = path + ".tensor_shape.dim[" + i + "]";
            shape.add(longValue(member(list.get(i), "size", dimPath), dimPath + ".size"));
          }
        } else if (dims != null) {
          throw new JsonFormatException(
              "expected " + path + ".tensor_shape.dim to be a list but found "
                  + ServingTensor.describe(dims));
        }
      }
      out.put((String) e.getKey(), new TensorInfo(name, dtype, shape, unknownRank));
    }
    return out;
  }

  /** True for an object of alias → value, false for a bare tensor or a {@code {"b64"}} leaf. */
  private static boolean isNamedOutputs(Object value) {
    return value instanceof Map && !ServingTensor.isB64(value);
  }

  private static Object member(Object container, String key, String where) {
    Map<?, ?> map = object(container, where);
    if (!map.containsKey(key)) {
      throw new JsonFormatException(
          "expected \"" + key + "\" in " + where + " but found keys " + map.keySet());
    }
    return map.get(key);
  }

  private static Map<?, ?> object(Object value, String where) {
    if (!(value instanceof Map<?, ?> map)) {
      throw new JsonFormatException(
          "expected " + where + " to be a JSON object but found " + ServingTensor.describe(value));
    }
    return map;
  }

  private static String string(Object value, String where) {
    if (!(value instanceof String s)) {
      throw new JsonFormatException(
          "expected " + where + " to be a string but found " + ServingTensor.describe(value));
    }
    return s;
  }

  /** int64 fields arrive as strings in proto3 JSON ({@code "version": "123"}), or as numbers. */
  private static long longValue(Object value, String where) {
    if (value instanceof Long l) {
      return l;
    }
    if (value instanceof String s) {
      try {
        return Long.parseLong(s.strip());
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    throw new JsonFormatException(
        "expected " + where + " to be an integer (number or decimal string) but found "
            + (value instanceof String ? "\"" + value + "\"" : ServingTensor.describe(value)));
  }
}
