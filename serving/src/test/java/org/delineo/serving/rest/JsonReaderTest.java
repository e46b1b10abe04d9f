package org.delineo.serving.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonReaderTest {

  @Test
  void parsesNestedValuesKeepingKeyOrder() {
    Object v = JsonReader.parse(
        " {\"b\": [1, -2.5e1, true, false, null], \"a\": {}, \"c\": [] , \"d\": 0.125} ");
    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("b", Arrays.asList(1L, -25.0, true, false, null));
    expected.put("a", Map.of());
    expected.put("c", List.of());
    expected.put("d", 0.125);
    assertEquals(expected, v);
    assertEquals(List.of("b", "a", "c", "d"), new ArrayList<>(((Map<?, ?>) v).keySet()));
  }

  @Test
  void decodesStringEscapes() {
    // \u00e9 is 'é'; \/ is an allowed escape of '/'
    assertEquals("q\"b\\s/n\nt\té", JsonReader.parse("\"q\\\"b\\\\s\\/n\\nt\\t\\u00e9\""));
  }

  @Test
  void acceptsTfServingNonFiniteTokens() {
    assertEquals(
        List.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY),
        JsonReader.parse("[NaN, Infinity, -Infinity]"));
  }

  @Test
  void integersBeyondLongBecomeDoubles() {
    assertEquals(9223372036854775807L, JsonReader.parse("9223372036854775807"));
    assertEquals(1.2345678901234567e19, JsonReader.parse("12345678901234567890"));
  }

  @Test
  void errorsNameOffsetExpectedAndFound() {
    assertMessage("{\"a\" 1}", "offset 5: expected ':' but found '1'");
    assertMessage("[1,]", "offset 3: expected a value but found ']'");
    assertMessage("[1 2]", "offset 3: expected ',' or ']' but found '2'");
    assertMessage("{\"a\":1,}", "offset 7: expected a string key but found '}'");
    assertMessage("\"abc", "expected closing '\"' but found end of input");
    assertMessage("{} x", "offset 3: expected end of input but found 'x'");
    assertMessage("-x", "offset 1: expected a digit but found 'x'");
    assertMessage("tru", "expected 'true'");
    assertMessage("", "offset 0: expected a value but found end of input");
  }

  @Test
  void boundsNestingDepth() {
    String deep = "[".repeat(JsonReader.MAX_DEPTH + 5);
    assertMessage(deep, "nesting deeper than " + JsonReader.MAX_DEPTH);
  }

  private static void assertMessage(String json, String expectedPart) {
    JsonFormatException e = assertThrows(JsonFormatException.class, () -> JsonReader.parse(json));
    assertTrue(e.getMessage().contains(expectedPart), e.getMessage());
  }
}
