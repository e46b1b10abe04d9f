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
 */
public record TrainStep(List<Op> runs, Operand<TFloat32> loss, Map<String, Operand<TFloat32>> scalars) {

  public TrainStep {
    runs = List.copyOf(runs);
    scalars = Map.copyOf(scalars);
  }
}
