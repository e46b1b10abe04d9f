package org.delineo.graph.distribute;

import org.delineo.graph.AllReduce;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Replica;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A mean all-reduce over the GPUs of one process on TensorFlow's {@code NcclAllReduce} (reduction
 * sum, then a division by the number of devices). The op exists in every TF build, but only the
 * GPU build has its kernel: a CPU session that contains it fails ("No OpKernel was registered"), so
 * CPU towers use {@link CollectiveAllReduce}, whose {@code "nccl"} communication hint is the other
 * route to NCCL on GPUs.
 *
 * <p>The members of one all-reduce meet by shared name: the key and its use count per member
 * ({@code key#n}, see {@link InstanceKeys}), the same in every tower since they share this
 * instance. The gradient is registered by {@link CollectiveGradients}. With one device no NCCL op
 * is built.
 */
public final class NcclMeanAllReduce implements AllReduce {
  /** The op this class builds. */
  static final String OP_TYPE = "NcclAllReduce";

  private final int numDevices;
  private final InstanceKeys names = new InstanceKeys(0);

  /** @param numDevices the GPUs of this process taking part, at least 1 */
  public NcclMeanAllReduce(int numDevices) {
    if (numDevices < 1) {
      throw new DelineoException("NCCL all-reduce needs at least 1 device, found " + numDevices);
    }
    this.numDevices = numDevices;
  }

  /** The mean over the devices, built with {@code ctx.tf()} (on the replica's GPU). */
  @Override
  public Operand<TFloat32> mean(GraphContext ctx, Operand<TFloat32> value, String key) {
    if (numDevices == 1) {
      return value;
    }
    CollectiveGradients.install();
    int member = ctx.replica().map(Replica::index).orElse(0);
    String sharedName = names.nextUse(member, key);
    Ops tf = ctx.tf();
    Operand<TFloat32> sum = tf.distribute.ncclAllReduce(value, "sum", (long) numDevices, sharedName);
    return tf.math.div(sum, tf.constant((float) numDevices));
  }
}
