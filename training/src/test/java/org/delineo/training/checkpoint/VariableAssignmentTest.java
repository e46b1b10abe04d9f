package org.delineo.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.Tensors;
import org.delineo.graph.VariableKind;
import org.delineo.graph.init.Initializers;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;

/**
 * Weights are assigned in as few session runs as the memory budget allows (one run per variable
 * made loading cost variables × graph size), and every value lands where it belongs.
 */
class VariableAssignmentTest {

  private static float[] filled(int n, float base) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = base + i;
    }
    return v;
  }

  /** Runs of an assignment of variables of 4, 6 and 6 values under {@code budget} floats per run. */
  private static int runsUnder(long budget) {
    try (Graph graph = new Graph()) {
      var v = GraphContext.create(graph, Mode.TRAIN, 0).variables();
      v.variable("a", Shape.of(4), Initializers.zeros(), VariableKind.BIAS);
      v.variable("b", Shape.of(2, 3), Initializers.zeros(), VariableKind.WEIGHT);
      v.variable("c", Shape.of(6), Initializers.zeros(), VariableKind.BIAS);
      try (Session session = new Session(graph)) {
        session.initialize();
        Map<String, float[]> values = new LinkedHashMap<>();
        values.put("a", filled(4, 100));
        values.put("b", filled(6, 200));
        values.put("c", filled(6, 300));
        int runs = VariableAssignment.assign(session, graph, InitCheckpoint.modelVariables(graph), values, budget);
        for (Map.Entry<String, float[]> e : values.entrySet()) {
          try (Result r = session.runner().fetch(graph.operation(e.getKey() + "_read").output(0)).run()) {
            assertArrayEquals(e.getValue(), Tensors.toFloats(r, 0), e.getKey() + " under budget " + budget);
          }
        }
        return runs;
      }
    }
  }

  @Test
  void allVariablesGoInOneRunWhenTheyFitTheBudget() {
    assertEquals(1, runsUnder(16), "4 + 6 + 6 = 16 values fit one run");
  }

  @Test
  void runsAreGroupedByTheBudgetAndAnOversizedVariableGoesAlone() {
    assertEquals(2, runsUnder(10), "[a, b] = 10 values, then [c]");
    assertEquals(3, runsUnder(3), "every variable exceeds 3 values: one run each");
  }
}
