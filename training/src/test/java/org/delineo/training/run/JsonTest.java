package org.delineo.training.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void escapesStringsAndWritesNonFiniteAsNull() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("q\"b\\s", "line\nnext\ttab\u0001\u2028");
    m.put("nan", Double.NaN);
    m.put("inf", Float.NEGATIVE_INFINITY);
    m.put("whole", 3.0);
    m.put("frac", 0.125);
    m.put("big", 1e20);
    m.put("long", Long.MAX_VALUE);
    m.put("flag", true);
    m.put("none", null);
    m.put("list", List.of(1, "x"));
    m.put("doubles", new double[] {0.5, Double.NaN});
    m.put("empty", Map.of());
    assertEquals("{\"q\\\"b\\\\s\":\"line\\nnext\\ttab\\u0001\\u2028\",\"nan\":null,\"inf\":null,"
        + "\"whole\":3.0,\"frac\":0.125,\"big\":1.0E20,\"long\":9223372036854775807,\"flag\":true,"
        + "\"none\":null,\"list\":[1,\"x\"],\"doubles\":[0.5,null],\"empty\":{}}", Json.write(m));
  }

  @Test
  void prettyFormIndentsByTwoSpaces() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("a", 1);
    m.put("b", Arrays.asList("x", null));
    m.put("c", List.of());
    assertEquals("{\n  \"a\": 1,\n  \"b\": [\n    \"x\",\n    null\n  ],\n  \"c\": []\n}\n",
        Json.writePretty(m));
  }
}
