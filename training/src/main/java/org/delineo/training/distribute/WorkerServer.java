package org.delineo.training.distribute;

import org.delineo.graph.DelineoException;
import org.tensorflow.Server;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.proto.ConfigProto;

/**
 * Starts this worker's TensorFlow gRPC server, which hosts its master (the target of its sessions)
 * and its worker service (which the other workers' collectives talk to).
 *
 * <p>The server is never stopped: TensorFlow 1.1's {@code Server.stop()} and {@code close()} throw
 * "Clean shutdown is not currently implemented". It lives as long as the process, and a worker is
 * a process that ends when its run ends, which closes the port.
 */
public final class WorkerServer {
  private WorkerServer() {}

  /**
   * Starts the server of {@code cluster}'s task on its address.
   *
   * @param sessionConfig the default options of sessions on this server
   *     ({@link WorkerCluster#sessionConfig})
   * @throws DelineoException naming the address when the server cannot start (port taken, host not
   *     local)
   */
  public static Server start(WorkerCluster cluster, ConfigProto sessionConfig) {
    try {
      Server server = new Server(cluster.serverDef(sessionConfig));
      server.start();
      return server;
    } catch (TensorFlowException e) {
      throw new DelineoException("cannot start the TensorFlow server of worker " + cluster.taskIndex() + " on "
          + cluster.address() + ": " + WorkerFailure.firstLine(e.getMessage()), e);
    }
  }
}
