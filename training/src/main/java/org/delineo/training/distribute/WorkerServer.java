package org.delineo.training.distribute;

import java.util.HashMap;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.tensorflow.Server;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.proto.ServerDef;

/**
 * Starts this worker's TensorFlow gRPC server, which hosts its master (the target of its sessions)
 * and its worker service (which the other workers' collectives talk to).
 *
 * <p>The server is never stopped: TensorFlow 1.1's {@code Server.stop()} and {@code close()} throw
 * "Clean shutdown is not currently implemented". It lives as long as the process, and a worker is
 * a process that ends when its run ends, which closes the port. A process asked for the same server
 * again (the same definition) gets the running one.
 */
public final class WorkerServer {
  /** The servers this process started, by definition. */
  private static final Map<ServerDef, Server> STARTED = new HashMap<>();

  private WorkerServer() {}

  /**
   * Starts the server {@code def} describes (see {@link WorkerCluster#serverDef}), or returns the
   * one this process already started with it.
   *
   * @throws DelineoException naming the address when the server cannot start (port taken, host not
   *     local), or when this process already runs a server with another definition
   */
  public static synchronized Server start(ServerDef def) {
    Server running = STARTED.get(def);
    if (running != null) {
      return running;
    }
    String address = def.getCluster().getJob(0).getTasksOrDefault(def.getTaskIndex(), "?");
    if (!STARTED.isEmpty()) {
      throw new DelineoException("cannot start the TensorFlow server of worker " + def.getTaskIndex() + " on "
          + address + ": this process already runs a worker server of another cluster, which TensorFlow cannot"
          + " stop; run each worker in a process of its own");
    }
    try {
      Server server = new Server(def);
      server.start();
      STARTED.put(def, server);
      return server;
    } catch (TensorFlowException e) {
      throw new DelineoException("cannot start the TensorFlow server of worker " + def.getTaskIndex() + " on "
          + address + ": " + WorkerFailure.firstLine(e.getMessage()), e);
    }
  }
}
