package org.delineo.graph.models.rfnet;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Even splits of a tensor along one axis, as a list of operands (one piece: the tensor itself). */
final class Splits {
  private Splits() {}

  /** {@code x} cut into {@code pieces} equal parts along {@code axis}. */
  static List<Operand<TFloat32>> split(Ops tf, Operand<TFloat32> x, int axis, int pieces) {
    if (pieces == 1) {
      return List.of(x);
    }
    return new ArrayList<>(tf.split(tf.constant(axis), x, (long) pieces).output());
  }
}
