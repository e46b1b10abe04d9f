package org.delineo.serving.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.io.JsonReader;
import org.junit.jupiter.api.Test;

class JsonWriterTest {

  @Test
  void writesCompactJsonInInsertionOrder() {
    Map<String, Object> tree = new LinkedHashMap<>();
    tree.put("z", Arrays.asList(1L, 7, 2.5f, -0.125, true, null));
    tree.put("a", Map.of());
    tree.put("q\"", "line\nTab\t\u0001\\");
    assertEquals(
        "{\"z\":[1,7,2.5,-0.125,true,null],\"a\":{},\"q\\\"\":\"line\\nTab\\t\\u0001\\\\\"}",
        JsonWriter.write(tree));
  }

  @Test
  void writesNonFiniteFloatsAsTfServingTokens() {
    assertEquals(
        "[NaN,Infinity,-Infinity,1.0E-5]",
        JsonWriter.write(
            List.of(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e-5f)));
  }

  @Test
  void readerReadsBackWhatWriterWrites() {
    Map<String, Object> tree = new LinkedHashMap<>();
    tree.put("s", "ünïcødé \"quoted\" / \b\f\r");
    tree.put("n", List.of(0L, -3L, 1.5e300, -2.0e-300));
    tree.put("o", Map.of("k", List.of(List.of(true), List.of(false))));
    assertEquals(tree, JsonReader.parse(JsonWriter.write(tree)));
  }

  @Test
  void rejectsValuesWithoutJsonForm() {
    assertThrows(IllegalArgumentException.class, () -> JsonWriter.write(new Object()));
  }
}
