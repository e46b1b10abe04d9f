package org.delineo.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.delineo.graph.init.Initializers;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;
import org.junit.jupiter.api.Test;

class VariableStoreTest {

  @Test
  void reusesVariablesByNameAndReadsThroughIdentity() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 7);
      VariableStore store = ctx.variables();
      Operand<TFloat32> a = store.variable("head.conv.weight", Shape.of(2, 3), Initializers.ones(), VariableKind.WEIGHT);
      Operand<TFloat32> b = store.variable("head.conv.weight", Shape.of(2, 3), Initializers.zeros(), VariableKind.WEIGHT);
      assertSame(a, b);
      assertEquals("Identity", a.op().type());
      assertEquals("VariableV2", store.find("head.conv.weight").orElseThrow().ref().op().type());
      assertEquals(1, store.all().size());
      assertEquals(6, store.trainableParameterCount());
      try (Session s = new Session(g)) {
        s.initialize();
        try (Result r = s.runner().fetch(a).run()) {
          assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1}, Tensors.toFloats(r, 0));
        }
      }
    }
  }

  @Test
  void rejectsShapeChangeKindChangeAndBadNames() {
    try (Graph g = new Graph()) {
      VariableStore store = GraphContext.create(g, Mode.TRAIN, 7).variables();
      store.variable("x.weight", Shape.of(2), Initializers.ones(), VariableKind.WEIGHT);
      ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
          () -> store.variable("x.weight", Shape.of(3), Initializers.ones(), VariableKind.WEIGHT));
      assertTrue(e.getMessage().contains("x.weight") && e.getMessage().contains("[2]") && e.getMessage().contains("[3]"), e.getMessage());
      assertThrows(DelineoException.class,
          () -> store.variable("x.weight", Shape.of(2), Initializers.ones(), VariableKind.BIAS));
      assertThrows(DelineoException.class,
          () -> store.variable("x/weight", Shape.of(2), Initializers.ones(), VariableKind.WEIGHT));
    }
  }

  @Test
  void randomInitialisationDependsOnNameAndSeedNotOnBuildOrder() {
    float[] first = initialValue(7, "a.weight", "b.weight");
    float[] second = initialValue(7, "b.weight", "a.weight");
    float[] otherSeed = initialValue(8, "a.weight", "b.weight");
    assertArrayEquals(first, second);
    assertTrue(first[0] != otherSeed[0]);
  }

  private static float[] initialValue(long seed, String firstName, String secondName) {
    try (Graph g = new Graph()) {
      VariableStore store = GraphContext.create(g, Mode.TRAIN, seed).variables();
      Operand<TFloat32> x = store.variable(firstName, Shape.of(3, 4), Initializers.heNormal(), VariableKind.WEIGHT);
      Operand<TFloat32> y = store.variable(secondName, Shape.of(3, 4), Initializers.heNormal(), VariableKind.WEIGHT);
      Operand<TFloat32> a = firstName.equals("a.weight") ? x : y;
      try (Session s = new Session(g)) {
        s.initialize();
        try (Result r = s.runner().fetch(a).run()) {
          return Tensors.toFloats(r, 0);
        }
      }
    }
  }
}
