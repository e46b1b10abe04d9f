package org.delineo.graph.io;

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
  void decodesUnicodeEscapesIncludingSurrogatePairs() {
    // U+0041 'A' (either hex case), U+00DF 'ß', U+1F600 as the UTF-16 pair D83D DE00.
    String s = (String) JsonReader.parse("\"\\u0041\\u00DF\\ud83d\\ude00\"");
    assertEquals(List.of(0x41, 0xDF, 0x1F600), s.codePoints().boxed().toList());
    assertEquals("tab\tnul\u0000", JsonReader.parse("\"tab\\u0009nul\\u0000\""));
  }

  @Test
  void readsNestedDocuments() {
    Object v = JsonReader.parse(
        "{\"w\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [0, 24]},"
            + " \"__metadata__\": {\"format\": \"pt\", \"list\": [[], [{}], [[1]]]}}");
    Map<String, Object> w = new LinkedHashMap<>();
    w.put("dtype", "F32");
    w.put("shape", List.of(2L, 3L));
    w.put("data_offsets", List.of(0L, 24L));
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("format", "pt");
    metadata.put("list", List.of(List.of(), List.of(Map.of()), List.of(List.of(1L))));
    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("w", w);
    expected.put("__metadata__", metadata);
    assertEquals(expected, v);
  }

  @Test
  void readsNumbersAsRfc8259DefinesThem() {
    assertEquals(0L, JsonReader.parse("0"));
    assertEquals(-0.0, JsonReader.parse("-0.0"));
    assertEquals(1000.0, JsonReader.parse("1E3"));
    assertEquals(0.01, JsonReader.parse("1e-2"));
    assertEquals(250.0, JsonReader.parse("2.5e+2"));
    assertEquals(-9223372036854775808L, JsonReader.parse("-9223372036854775808"));
    assertMessage("01", "offset 1: expected '.', 'e' or the end of the number after a leading 0");
    assertMessage("-", "offset 1: expected a digit but found end of input");
    assertMessage("1.", "offset 2: expected a digit after '.'");
    assertMessage("1e", "offset 2: expected a digit in the exponent");
    assertMessage("+1", "offset 0: expected a value but found '+'");
    assertMessage(".5", "offset 0: expected a value but found '.'");
  }

  @Test
  void rejectsBadEscapesAndRawControlCharacters() {
    assertMessage("\"\\x\"", "offset 2: expected one of");
    assertMessage("\"\\u12zz\"", "offset 5: expected a hex digit but found 'z'");
    assertMessage("\"\\u12", "expected 4 hex digits");
    assertMessage("\"a\nb\"", "offset 2: expected an escaped control character");
  }

  @Test
  void errorsStartWithTheSourceTheCallerNames() {
    JsonFormatException e = assertThrows(JsonFormatException.class,
        () -> JsonReader.parse("{\"a\": [1, 2}", "safetensors file /w/model.safetensors, JSON header"));
    assertEquals("safetensors file /w/model.safetensors, JSON header: malformed JSON at offset 11:"
        + " expected ',' or ']' but found '}'", e.getMessage());
    JsonFormatException deep = assertThrows(JsonFormatException.class,
        () -> JsonReader.parse("[".repeat(JsonReader.MAX_DEPTH + 2), "/w/provenance.json"));
    assertTrue(deep.getMessage().startsWith("/w/provenance.json: malformed JSON at offset "),
        deep.getMessage());
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
