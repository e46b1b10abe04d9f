package org.delineo.serving.rest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.io.JsonFormatException;
import org.delineo.graph.io.JsonReader;
import org.junit.jupiter.api.Test;

class ServingTensorTest {

  @Test
  void nestsRowMajor() {
    ServingTensor t = ServingTensor.ofInts(new int[] {1, 2, 3, 4, 5, 6}, 2, 3);
    assertEquals("[[1,2,3],[4,5,6]]", JsonWriter.write(t.toJson()));
    ServingTensor b = ServingTensor.ofBools(new boolean[] {true, false}, 1, 2);
    assertEquals("[[true,false]]", JsonWriter.write(b.toJson()));
  }

  @Test
  void shapeMustMatchValueCount() {
    DelineoException e =
        assertThrows(DelineoException.class, () -> ServingTensor.ofFloats(new float[5], 2, 3));
    assertTrue(e.getMessage().contains("[2, 3] needs 6 values, found 5"), e.getMessage());
  }

  @Test
  void readsShapeAndKindFromNestedLists() {
    ServingTensor f = ServingTensor.fromJson(JsonReader.parse("[[[0.5],[1]],[[2],[-3]]]"), "x");
    assertEquals(ServingTensor.Kind.FLOAT, f.kind());
    assertArrayEquals(new long[] {2, 2, 1}, f.shape());
    assertArrayEquals(new float[] {0.5f, 1f, 2f, -3f}, f.floats(), 0f, "exact values");

    ServingTensor i = ServingTensor.fromJson(JsonReader.parse("[7, -8]"), "x");
    assertEquals(ServingTensor.Kind.INT, i.kind());
    assertArrayEquals(new int[] {7, -8}, i.ints());

    ServingTensor scalar = ServingTensor.fromJson(JsonReader.parse("2.0"), "x");
    assertArrayEquals(new long[0], scalar.shape());
    assertArrayEquals(new int[] {2}, scalar.ints(), "2.0 is a whole number");

    assertArrayEquals(new long[] {0}, ServingTensor.fromJson(List.of(), "x").shape());
  }

  @Test
  void readsBinaryAndTextStrings() {
    // "AQID" is base64 of bytes 1, 2, 3
    ServingTensor t =
        ServingTensor.fromJson(JsonReader.parse("[{\"b64\": \"AQID\"}, \"hi\"]"), "x");
    assertEquals(ServingTensor.Kind.BYTES, t.kind());
    assertArrayEquals(new byte[] {1, 2, 3}, t.bytes().get(0));
    assertArrayEquals(new byte[] {'h', 'i'}, t.bytes().get(1));
  }

  @Test
  void rejectsRaggedMixedAndFractionalInts() {
    assertMessage("[[1, 2], [3]]", "out.y: expected a list of 2 at nesting depth 1 but found 1");
    assertMessage("[[1, 2], 3]", "ragged");
    assertMessage("[1, \"a\"]", "expected only numbers but found a string");
    assertMessage("[{\"b64\": \"***\"}]", "expected base64");
    ServingTensor half = ServingTensor.fromJson(JsonReader.parse("[1.5]"), "x");
    DelineoException e = assertThrows(DelineoException.class, half::ints);
    assertTrue(e.getMessage().contains("1.5, expected a whole number"), e.getMessage());
  }

  private static void assertMessage(String json, String expectedPart) {
    JsonFormatException e =
        assertThrows(
            JsonFormatException.class,
            () -> ServingTensor.fromJson(JsonReader.parse(json), "out.y"));
    assertTrue(e.getMessage().contains(expectedPart), e.getMessage());
  }
}
