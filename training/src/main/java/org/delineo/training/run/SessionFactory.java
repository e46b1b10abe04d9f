package org.delineo.training.run;

import org.delineo.proto.RuntimeConfig;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.proto.ConfigProto;

/** Opens sessions with the runtime's thread counts and device choice. */
public final class SessionFactory {
  private SessionFactory() {}

  /** A session over {@code graph} configured by {@code runtime}. */
  public static Session open(Graph graph, RuntimeConfig runtime) {
    ConfigProto.Builder config = ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(runtime.getIntraOpThreads())
        .setInterOpParallelismThreads(runtime.getInterOpThreads())
        // With GPU natives and no GPU (or CPU chosen), ops fall back to the CPU instead of failing.
        .setAllowSoftPlacement(runtime.getDevice() != RuntimeConfig.Device.GPU);
    if (runtime.getDevice() == RuntimeConfig.Device.CPU) {
      config.putDeviceCount("GPU", 0);
    }
    return new Session(graph, config.build());
  }
}
