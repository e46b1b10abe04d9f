package org.delineo.training.optim;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetRequestedDevice;

import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import java.util.function.Supplier;
import org.delineo.graph.NativeGraph;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;

/**
 * Puts the ops of one differentiation on a device. TensorFlow's C++ gradient builder (behind
 * {@code Graph.addGradients}) creates its ops without a device, and the placer then puts every
 * unplaced op on its default device (the first GPU, or CPU:0): a data-parallel tower's backward pass
 * would leave its own device. Python TensorFlow places them through its private C API
 * ({@code colocate_gradients_with_ops}); TF Java exposes no device setter for a built op, so this
 * class calls the C API's {@code TF_SetRequestedDevice} on the native graph ({@link NativeGraph}).
 * It runs while the graph is built, before any session
 * exists, and leaves ops that already have a device (Java gradients that place themselves) as they
 * are.
 */
final class GradientPlacement {
  private GradientPlacement() {}

  /**
   * Builds with {@code differentiate} and places every op it added to {@code graph} that has no
   * device on {@code device}.
   */
  static <T> T on(Graph graph, String device, Supplier<T> differentiate) {
    Set<String> before = names(graph);
    T result = differentiate.get();
    return NativeGraph.apply(graph, nativeGraph -> {
      for (Iterator<GraphOperation> it = graph.operations(); it.hasNext(); ) {
        GraphOperation op = it.next();
        if (!before.contains(op.name()) && op.device().isEmpty()) {
          TF_SetRequestedDevice(nativeGraph, op.getUnsafeNativeHandle(), device);
        }
      }
      return result;
    });
  }

  private static Set<String> names(Graph graph) {
    Set<String> names = new HashSet<>();
    graph.operations().forEachRemaining(op -> names.add(op.name()));
    return names;
  }
}
