package org.delineo.graph;

import java.util.Objects;

/**
 * One copy of the model in a data-parallel step: member {@code index} of {@code count} copies, its
 * ops placed on {@code device}, averaging across the copies with {@code allReduce}. A context
 * carries it ({@link GraphContext#withReplica}) so that layers which need statistics of the whole
 * batch (synchronised batch norm) can reach the other copies.
 *
 * <p>It lives in this package, not {@code graph.distribute}, for the reason given on
 * {@link AllReduce}.
 *
 * @param index this copy's position in the group, in [0, count)
 * @param count the number of copies in the group, at least 1
 * @param device a TensorFlow device string such as {@code "/device:CPU:1"} or
 *     {@code "/job:worker/replica:0/task:1/device:GPU:0"}; {@code ""} leaves ops unplaced
 * @param allReduce how this copy averages tensors with the others
 * @param syncBatchNorm whether batch norm in TRAIN normalises with statistics averaged over all
 *     copies (mmseg's SyncBN) instead of this copy's own
 */
public record Replica(int index, int count, String device, AllReduce allReduce, boolean syncBatchNorm) {
  /** Validates the group position and the device string, so that a mistake fails before building. */
  public Replica {
    if (count < 1) {
      throw new DelineoException("replica count must be at least 1, found " + count);
    }
    if (index < 0 || index >= count) {
      throw new DelineoException(
          "replica index must lie in [0, " + count + "), found " + index);
    }
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(allReduce, "allReduce");
    DeviceStrings.parse(device);
  }
}
