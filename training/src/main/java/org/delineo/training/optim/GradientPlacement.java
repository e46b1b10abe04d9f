package org.delineo.training.optim;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetRequestedDevice;

import java.lang.reflect.Method;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import java.util.function.Supplier;
import org.delineo.graph.DelineoException;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.internal.c_api.TF_Graph;

/**
 * Puts the ops of one differentiation on a device. TensorFlow's C++ gradient builder (behind
 * {@code Graph.addGradients}) creates its ops without a device, and the placer then puts every
 * unplaced op on its default device (the first GPU, or CPU:0): a data-parallel tower's backward pass
 * would leave its own device. Python TensorFlow places them through its private C API
 * ({@code colocate_gradients_with_ops}); TF Java exposes no device setter for a built op, so this
 * class calls the C API's {@code TF_SetRequestedDevice} on the native graph, which TF Java keeps in a
 * package-private field reached by reflection (written for tensorflow-core-api 1.1.0; a version
 * without it fails with a message saying so). It runs while the graph is built, before any session
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
    try (AutoCloseable ref = (AutoCloseable) Internals.REF.invoke(graph)) {
      TF_Graph nativeGraph = (TF_Graph) Internals.NATIVE_HANDLE.invoke(ref);
      for (Iterator<GraphOperation> it = graph.operations(); it.hasNext(); ) {
        GraphOperation op = it.next();
        if (!before.contains(op.name()) && op.device().isEmpty()) {
          TF_SetRequestedDevice(nativeGraph, op.getUnsafeNativeHandle(), device);
        }
      }
    } catch (Exception e) {
      throw new DelineoException("cannot place the gradient ops on " + device + ": " + e, e);
    }
    return result;
  }

  private static Set<String> names(Graph graph) {
    Set<String> names = new HashSet<>();
    graph.operations().forEachRemaining(op -> names.add(op.name()));
    return names;
  }

  /** {@code Graph.ref()} and its {@code nativeHandle()}, made accessible once. */
  private static final class Internals {
    static final Method REF;
    static final Method NATIVE_HANDLE;

    static {
      try {
        REF = Graph.class.getDeclaredMethod("ref");
        REF.setAccessible(true);
        NATIVE_HANDLE = REF.getReturnType().getDeclaredMethod("nativeHandle");
        NATIVE_HANDLE.setAccessible(true);
      } catch (ReflectiveOperationException | RuntimeException e) {
        throw new DelineoException("cannot place gradient ops: this TensorFlow Java version lacks Graph.ref() or"
            + " its nativeHandle() (written for tensorflow-core-api 1.1.0): " + e, e);
      }
    }
  }
}
