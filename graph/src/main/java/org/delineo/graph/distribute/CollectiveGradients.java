package org.delineo.graph.distribute;

import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;

/**
 * Registers, once per process, the Java gradients of the all-reduce ops Delineo builds; TF has no
 * C++ gradient for them, so {@code Graph.addGradients} would fail with "No gradient defined".
 *
 * <p>The gradient of an all-reduce is the same all-reduce of the upstream gradient (mean for a
 * mean, sum for a sum): d/dx_r of Σ_s f_s(mean_t x_t) is mean_s f_s'. Each backward collective is a
 * collective of its own, so it needs a key that every member's backward op shares and no forward op
 * uses: {@code CollectiveReduceV2} reads the instance key that {@link CollectiveAllReduce} stored on
 * the forward op ({@link CollectiveAllReduce#GRADIENT_INSTANCE_KEY}); {@code NcclAllReduce} appends
 * {@value #NCCL_GRADIENT_SUFFIX} to the forward op's shared name.
 *
 * <p>The backward op goes on the forward op's device through its builder: the {@link Ops} handed to
 * a gradient callback ignores {@code withDevice}, and a collective whose members all land on one
 * device fails ("BufRendezvous::ProvideBuf already called").
 */
final class CollectiveGradients {
  /** What the backward NCCL all-reduce appends to its forward op's shared name. */
  static final String NCCL_GRADIENT_SUFFIX = "/gradient";

  private static boolean installed;

  private CollectiveGradients() {}

  /**
   * Registers both gradients; later calls do nothing. A {@code false} from the registry means the
   * op already has a gradient (an earlier class loader's, or TF's own in a later version).
   */
  static synchronized void install() {
    if (installed) {
      return;
    }
    TensorFlow.registerCustomGradient(CollectiveAllReduce.OP_TYPE, CollectiveGradients::collective);
    TensorFlow.registerCustomGradient(NcclMeanAllReduce.OP_TYPE, CollectiveGradients::nccl);
    installed = true;
  }

  /**
   * The mean all-reduce of dy under the forward op's group and its stored gradient instance key;
   * the integer group size, group key and instance key get zeros.
   */
  private static List<Operand<?>> collective(Ops tf, GraphOperation op, List<Output<?>> grads) {
    long gradientInstance;
    try {
      gradientInstance = op.attributes().getAttrInt(CollectiveAllReduce.GRADIENT_INSTANCE_KEY);
    } catch (RuntimeException absent) {
      throw new UnsupportedOperationException(op.name() + ": only the " + op.type()
          + " ops built by CollectiveAllReduce have a gradient (no gradient instance key)");
    }
    String merge = op.attributes().getAttrString("merge_op");
    String last = op.attributes().getAttrString("final_op");
    if (!merge.equals("Add") || !last.equals("Div")) {
      throw new UnsupportedOperationException(op.name() + ": the " + op.type()
          + " gradient covers the mean (Add, Div), found (" + merge + ", " + last + ")");
    }
    Output<?> dx = tf.scope().opBuilder(op.type(), "CollectiveMeanGrad")
        .setDevice(op.device())
        .addInput(grads.get(0))
        .addInput(op.input(1))
        .addInput(op.input(2))
        .addInput(tf.constant((int) gradientInstance).asOutput())
        .addInputList(new Output<?>[0])
        .setAttr("merge_op", merge)
        .setAttr("final_op", last)
        .setAttr("communication_hint", op.attributes().getAttrString("communication_hint"))
        .setAttr("timeout_seconds", op.attributes().getAttrFloat("timeout_seconds"))
        .build()
        .output(0);
    return List.of(dx, tf.zerosLike(op.input(1)), tf.zerosLike(op.input(2)),
        tf.zerosLike(op.input(3)));
  }

  /** The sum all-reduce of dy over the same devices, under the forward shared name + suffix. */
  private static List<Operand<?>> nccl(Ops tf, GraphOperation op, List<Output<?>> grads) {
    String reduction = op.attributes().getAttrString("reduction");
    if (!reduction.equals("sum")) {
      throw new UnsupportedOperationException(
          op.name() + ": the NcclAllReduce gradient covers reduction sum, found " + reduction);
    }
    Output<?> dx = tf.scope().opBuilder(op.type(), "NcclSumGrad")
        .setDevice(op.device())
        .addInput(grads.get(0))
        .setAttr("reduction", reduction)
        .setAttr("num_devices", op.attributes().getAttrInt("num_devices"))
        .setAttr("shared_name", op.attributes().getAttrString("shared_name") + NCCL_GRADIENT_SUFFIX)
        .build()
        .output(0);
    return List.of(dx);
  }
}
