package org.delineo.graph.testing;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;

/**
 * Which ops a backward pass builds that read a given forward tensor: the ones that would keep it
 * alive until the backward pass reaches them (tests of gradients that read their op's output).
 */
public final class BackwardReaders {
  private BackwardReaders() {}

  /**
   * Runs {@code addGradients} (which adds the backward ops to {@code g}) and returns the types of the
   * ops it added that read {@code forward}.
   */
  public static List<String> of(Graph g, Operand<?> forward, Supplier<?> addGradients) {
    int before = count(g);
    addGradients.get();
    List<String> readers = new ArrayList<>();
    int index = 0;
    for (Iterator<GraphOperation> it = g.operations(); it.hasNext(); index++) {
      GraphOperation op = it.next();
      for (int i = 0; i < op.numInputs(); i++) {
        if (index >= before && op.input(i).op().name().equals(forward.op().name())) {
          readers.add(op.type());
        }
      }
    }
    return readers;
  }

  private static int count(Graph g) {
    int n = 0;
    for (Iterator<GraphOperation> it = g.operations(); it.hasNext(); it.next()) {
      n++;
    }
    return n;
  }
}
