package org.delineo.graph.distribute;

import java.util.Set;
import org.delineo.graph.AllReduce;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Replica;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A mean all-reduce on TensorFlow's {@code CollectiveReduceV2} op (merge Add, final Div): works
 * between devices of one process (CPU devices of a session configured with several, GPUs) and
 * between worker processes of a TF cluster, with group size, group key and instance key given as
 * tensors. {@code CollectiveReduceV2} is built by name because TF Java generates a class only for
 * V3, which needs a communicator resource set up beforehand; V1 would fix the group in attributes
 * with no way to give a timeout to its kernel.
 *
 * <p>One instance serves one group in one graph: every replica of the process uses it, so that its
 * {@link InstanceKeys} registry hands each key the same instance key in every replica; another
 * worker process builds its own instance and, building the same graph in the same order, gets the
 * same keys. Each forward collective also carries the instance key of its gradient, allocated at
 * the same time from the name {@code "grad:" + use} (see {@link CollectiveGradients}).
 *
 * <p>All members must run their collective in the same step: a member that never arrives makes the
 * others fail after {@code timeoutSeconds} (0: wait forever). With a group of one no collective op
 * is built at all.
 */
public final class CollectiveAllReduce implements AllReduce {
  /** The op this class builds. */
  static final String OP_TYPE = "CollectiveReduceV2";
  /** The attribute of a forward collective that holds its gradient's instance key. */
  static final String GRADIENT_INSTANCE_KEY = "_delineo_gradient_instance_key";

  private static final Set<String> HINTS = Set.of("auto", "ring", "nccl");

  private final int groupSize;
  private final int groupKey;
  private final float timeoutSeconds;
  private final String communicationHint;
  private final InstanceKeys instanceKeys = new InstanceKeys(1);

  /**
   * @param groupSize number of members (devices over all processes), at least 1
   * @param groupKey the group's key, the same in every member; groups used together need distinct
   *     keys
   * @param timeoutSeconds how long a member waits for the others before failing, 0 for no limit
   * @param communicationHint {@code "auto"}, {@code "ring"} or {@code "nccl"} (GPUs)
   */
  public CollectiveAllReduce(
      int groupSize, int groupKey, float timeoutSeconds, String communicationHint) {
    if (groupSize < 1) {
      throw new DelineoException("all-reduce group size must be at least 1, found " + groupSize);
    }
    if (!(timeoutSeconds >= 0f)) {
      throw new DelineoException(
          "all-reduce timeout must be 0 (none) or positive seconds, found " + timeoutSeconds);
    }
    if (!HINTS.contains(communicationHint)) {
      throw new DelineoException(
          "all-reduce communication hint must be one of " + HINTS + ", found '"
              + communicationHint + "'");
    }
    this.groupSize = groupSize;
    this.groupKey = groupKey;
    this.timeoutSeconds = timeoutSeconds;
    this.communicationHint = communicationHint;
  }

  /** A group of {@code groupSize} members under {@code groupKey}, ring or NCCL chosen by TF. */
  public CollectiveAllReduce(int groupSize, int groupKey, float timeoutSeconds) {
    this(groupSize, groupKey, timeoutSeconds, "auto");
  }

  /** The number of members. */
  public int groupSize() {
    return groupSize;
  }

  /** The group's key. */
  public int groupKey() {
    return groupKey;
  }

  /**
   * The mean over the group, built with {@code ctx.tf()} (on the replica's device). The member is
   * {@code ctx.replica()}'s index, 0 without a replica (one member per process).
   */
  @Override
  public Operand<TFloat32> mean(GraphContext ctx, Operand<TFloat32> value, String key) {
    if (groupSize == 1) {
      return value;
    }
    CollectiveGradients.install();
    int member = ctx.replica().map(Replica::index).orElse(0);
    String use = instanceKeys.nextUse(member, key);
    int instance = instanceKeys.of(use);
    int gradientInstance = instanceKeys.of("grad:" + use);
    Ops tf = ctx.tf();
    Output<TFloat32> out = tf.scope().opBuilder(OP_TYPE, "CollectiveMean")
        .addInput(value.asOutput())
        .addInput(tf.constant(groupSize).asOutput())
        .addInput(tf.constant(groupKey).asOutput())
        .addInput(tf.constant(instance).asOutput())
        .addInputList(new Output<?>[0]) // ordering_token: none, the graph's data edges order it
        .setAttr("merge_op", "Add")
        .setAttr("final_op", "Div")
        .setAttr("communication_hint", communicationHint)
        .setAttr("timeout_seconds", timeoutSeconds)
        .setAttr(GRADIENT_INSTANCE_KEY, gradientInstance)
        .build()
        .output(0);
    return out;
  }
}
