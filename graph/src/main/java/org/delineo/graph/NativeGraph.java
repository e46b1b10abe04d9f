package org.delineo.graph;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.function.Function;
import org.tensorflow.Graph;
import org.tensorflow.internal.c_api.TF_Graph;

/**
 * The C API handle of a {@link Graph}, for the two things TensorFlow Java 1.1 offers no public way
 * to do: placing ops after they are built ({@code TF_SetRequestedDevice}, for the ops a gradient
 * call creates) and opening a session on a server target ({@code TF_SetTarget}). TensorFlow Java
 * keeps the handle behind the package-private {@code Graph.ref()}, which this one class reaches by
 * reflection; a TensorFlow Java version without it fails with one message saying so.
 */
public final class NativeGraph {
  private static final Method REF;
  private static final Method NATIVE_HANDLE;
  private static final String MISSING;

  static {
    Method ref = null;
    Method handle = null;
    String missing = null;
    try {
      ref = Graph.class.getDeclaredMethod("ref");
      ref.setAccessible(true);
      handle = ref.getReturnType().getDeclaredMethod("nativeHandle");
      handle.setAccessible(true);
    } catch (ReflectiveOperationException | RuntimeException e) {
      missing = e.toString();
    }
    REF = ref;
    NATIVE_HANDLE = handle;
    MISSING = missing;
  }

  private NativeGraph() {}

  /**
   * {@code use} applied to the native handle of {@code graph}, which stays alive (a reference is
   * held) until {@code use} returns.
   *
   * @throws DelineoException when this TensorFlow Java version lacks {@code Graph.ref()}
   */
  public static <T> T apply(Graph graph, Function<TF_Graph, T> use) {
    if (MISSING != null) {
      throw new DelineoException("this TensorFlow Java version lacks Graph.ref() or its nativeHandle(), which"
          + " Delineo uses to place gradient ops and to open sessions on server targets (written for"
          + " tensorflow-core-api 1.1.0): " + MISSING);
    }
    try (AutoCloseable ref = (AutoCloseable) invoke(REF, graph)) {
      return use.apply((TF_Graph) invoke(NATIVE_HANDLE, ref));
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("cannot release the graph reference", e);
    }
  }

  private static Object invoke(Method method, Object target) {
    try {
      return method.invoke(target);
    } catch (InvocationTargetException e) {
      // E.g. IllegalStateException("close() has been called on the Graph"): report it as such.
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }
}
