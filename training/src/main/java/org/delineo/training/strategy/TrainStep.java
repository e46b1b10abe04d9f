package org.delineo.training.strategy;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.types.TFloat32;

/**
 * What a strategy built: the ops one training iteration runs and what it logs.
 *
 * @param runs the targets of each {@code Session.run} of one iteration, in order (one for plain
 *     training, two for bi-level Meta-Drop)
 * @param loss the total loss (fetched with the last run)
 * @param scalars named scalars to log (individual loss terms), fetched with the last run
 * @param bridge null, or the Java step between the first and the second run (which it feeds); then
 *     there are exactly two runs
 */
public record TrainStep(List<Op> runs, Operand<TFloat32> loss, Map<String, Operand<TFloat32>> scalars,
    RunBridge bridge) {

  public TrainStep {
    runs = List.copyOf(runs);
    scalars = Map.copyOf(scalars);
    if (bridge != null && runs.size() != 2) {
      throw new IllegalArgumentException("a step with a run bridge has two runs, found " + runs.size());
    }
  }

  /** A step whose runs all take the batch's feeds only. */
  public TrainStep(List<Op> runs, Operand<TFloat32> loss, Map<String, Operand<TFloat32>> scalars) {
    this(runs, loss, scalars, null);
  }
}
