package org.delineo.training.distribute;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.distribute.CollectiveAllReduce;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * One worker process of {@link WorkerProcessesTest}: starts its server, opens a session on its own
 * target and builds, with {@link CollectiveAllReduce}, the mean over the workers of the vector
 * {@code [i + 1, 10 (i + 1)]} of worker {@code i}. Prints {@code ready} once the session is open, then
 * for every {@code step} line on stdin runs the collective and prints {@code mean a b}, or
 * {@code error <one line>} and exits with status 3. Exits 0 at the end of stdin.
 *
 * <p>Arguments: {@code host:port,host:port,...}, the task index, and the step collective's
 * timeout in seconds. The first step uses a long timeout instead, as the JVMs start at different
 * times.
 */
public final class CollectiveWorkerMain {
  private static final float FIRST_STEP_TIMEOUT_SECONDS = 120;

  private CollectiveWorkerMain() {}

  public static void main(String[] args) throws Exception {
    WorkerCluster cluster = new WorkerCluster(List.of(args[0].split(",")), Integer.parseInt(args[1]));
    float timeout = Float.parseFloat(args[2]);
    ConfigProto config = cluster.sessionConfig(ConfigProto.getDefaultInstance());
    WorkerServer.start(cluster.serverDef(config));
    try (Graph graph = new Graph()) {
      GraphContext ctx = GraphContext.create(graph, Mode.TRAIN, 0);
      float own = cluster.taskIndex() + 1;
      Operand<TFloat32> value = ctx.tf().constant(new float[] {own, 10 * own});
      // Two groups, as a group's timeout is fixed: unplaced ops land on this worker's own task
      // (the session's device filter leaves the master no other device).
      Operand<TFloat32> first = new CollectiveAllReduce(cluster.size(), 1, FIRST_STEP_TIMEOUT_SECONDS)
          .mean(ctx, value, "value");
      Operand<TFloat32> later = new CollectiveAllReduce(cluster.size(), 2, timeout).mean(ctx, value, "value");
      try (Session session = TargetSession.open(graph, cluster.target(), config)) {
        System.out.println("ready");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        boolean firstStep = true;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          try (Result r = session.runner().fetch(firstStep ? first : later).run()) {
            TFloat32 mean = (TFloat32) r.get(0);
            System.out.println("mean " + mean.getFloat(0) + " " + mean.getFloat(1));
          } catch (TensorFlowException e) {
            System.out.println("error " + WorkerFailure.firstLine(e.getMessage()));
            System.exit(3);
          }
          firstStep = false;
        }
      }
    } catch (DelineoException e) {
      System.out.println("error " + e.getMessage());
      System.exit(3);
    }
    // The server cannot be stopped (TensorFlow 1.1); ending the process closes it.
    System.exit(0);
  }
}
