package org.delineo.training.run;

import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * Counts the GPUs TensorFlow sees by running a tiny op pinned to each in turn with soft placement
 * off (TF Java has no device listing): a GPU that does not exist fails the run. With CPU natives
 * the first probe fails at once.
 */
final class GpuProbe {
  private GpuProbe() {}

  /** The number of GPUs TensorFlow sees, counted up to {@code limit} (0 without GPU natives or GPUs). */
  static int count(int limit) {
    int found = 0;
    while (found < limit && runs(found)) {
      found++;
    }
    return found;
  }

  /** Whether an op placed on {@code /device:GPU:index} runs. */
  private static boolean runs(int index) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g).withDevice(
          DeviceSpec.newBuilder().deviceType(DeviceSpec.DeviceType.GPU).deviceIndex(index).build());
      var sum = tf.math.add(tf.constant(1f), tf.constant(2f));
      try (Session s = new Session(g, ConfigProto.newBuilder().setAllowSoftPlacement(false).build());
          Result r = s.runner().fetch(sum).run()) {
        return ((TFloat32) r.get(0)).getFloat() == 3f;
      }
    } catch (RuntimeException e) {
      return false;
    }
  }
}
