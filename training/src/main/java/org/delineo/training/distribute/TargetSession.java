package org.delineo.training.distribute;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_GetCode;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_Message;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_OK;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetConfig;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetTarget;

import java.lang.reflect.Constructor;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.delineo.graph.DelineoException;
import org.delineo.graph.NativeGraph;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_SessionOptions;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.proto.ConfigProto;

/**
 * Opens an ordinary {@link Session} on a session target such as {@code grpc://host:port} (a
 * {@link org.tensorflow.Server}'s master), which TensorFlow Java 1.1's public constructors cannot:
 * they always pass an empty target to the C API. The native session is created here exactly as
 * {@code Session}'s private {@code allocate} does, plus {@code TF_SetTarget}, and is handed to the
 * package-private constructor {@code Session(Graph, TF_Session)}, which TensorFlow Java itself uses
 * to wrap native sessions; the result runs, feeds, fetches, restores and closes like any session.
 *
 * <p>Reaching that constructor by reflection (and the native graph through {@link NativeGraph}) was
 * chosen over a helper class compiled into the
 * {@code org.tensorflow} package: TensorFlow's jars are not sealed, so both work on the class path,
 * but a split package is rejected outright on the module path (the jars carry module
 * descriptors), puts foreign classes into TensorFlow's namespace and escapes the package
 * dependency rules, whereas reflection needs only {@code --add-opens
 * org.tensorflow.core.api/org.tensorflow=ALL-UNNAMED} there and fails, if a TensorFlow Java
 * upgrade removes either member, with one clear message when the first such session is opened.
 */
public final class TargetSession {
  private TargetSession() {}

  /**
   * A session over {@code graph} whose runs go to {@code target}.
   *
   * @param target the session target: {@code grpc://host:port} for a server's master, or "" for
   *     an in-process session (as {@code new Session(graph, config)})
   * @param config the session options
   * @throws DelineoException when TensorFlow refuses the target or the options (one line, naming
   *     the target), or when this TensorFlow Java version lacks the members used
   */
  public static Session open(Graph graph, String target, ConfigProto config) {
    Constructor<Session> wrapper = SessionConstructor.orFail();
    TF_Session handle = NativeGraph.apply(graph, nativeGraph -> {
      try (PointerScope scope = new PointerScope()) {
        TF_Status status = TF_Status.newStatus();
        TF_SessionOptions options = TF_SessionOptions.newSessionOptions();
        TF_SetTarget(options, target);
        BytePointer bytes = new BytePointer(config.toByteArray());
        TF_SetConfig(options, bytes, bytes.capacity(), status);
        check(status, target);
        TF_Session created = TF_Session.newSession(nativeGraph, options, status);
        check(status, target);
        // Outlives the scope; the Session releases it when closed.
        return (TF_Session) created.retainReference();
      }
    });
    try {
      return wrapper.newInstance(graph, handle);
    } catch (ReflectiveOperationException e) {
      throw new DelineoException("cannot wrap the native TensorFlow session: " + e, e);
    }
  }

  private static void check(TF_Status status, String target) {
    if (TF_GetCode(status) != TF_OK) {
      throw new DelineoException("cannot open a TensorFlow session on target '" + target + "': "
          + WorkerFailure.firstLine(TF_Message(status).getString()));
    }
  }

  /** The package-private {@code Session(Graph, TF_Session)}, found once. */
  private static final class SessionConstructor {
    private static final Constructor<Session> CONSTRUCTOR;
    private static final String MISSING;

    static {
      Constructor<Session> found = null;
      String missing = null;
      try {
        found = Session.class.getDeclaredConstructor(Graph.class, TF_Session.class);
        found.setAccessible(true);
      } catch (ReflectiveOperationException | RuntimeException e) {
        missing = e.toString();
      }
      CONSTRUCTOR = found;
      MISSING = missing;
    }

    static Constructor<Session> orFail() {
      if (MISSING != null) {
        throw new DelineoException("cannot open a TensorFlow session on a server target: this TensorFlow Java"
            + " version lacks Session(Graph, TF_Session), which TargetSession uses (written for"
            + " tensorflow-core-api 1.1.0): " + MISSING);
      }
      return CONSTRUCTOR;
    }
  }
}
