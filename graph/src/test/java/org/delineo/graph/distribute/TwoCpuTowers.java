package org.delineo.graph.distribute;

import org.delineo.graph.AllReduce;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Replica;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.proto.ConfigProto;

/** Test helper: two replicas on the CPU devices 0 and 1 of one session configured with two. */
final class TwoCpuTowers {
  /** A session configuration with two CPU devices and no soft placement (a wrong device fails). */
  static final ConfigProto TWO_CPUS =
      ConfigProto.newBuilder().putDeviceCount("CPU", 2).setAllowSoftPlacement(false).build();

  private TwoCpuTowers() {}

  static Session session(Graph g) {
    return new Session(g, TWO_CPUS);
  }

  /** The context of tower {@code index} of 2, on {@code /device:CPU:index}. */
  static GraphContext tower(GraphContext ctx, int index, AllReduce allReduce, boolean sync) {
    return ctx.withReplica(new Replica(index, 2, "/device:CPU:" + index, allReduce, sync));
  }
}
