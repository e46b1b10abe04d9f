package org.delineo.training.strategy;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.Tensor;

/**
 * Java work between the two {@code Session.run}s of a step whose second run needs values no graph
 * op can compute (Mask2Former's exact Hungarian matching): the first run fetches {@link #fetches},
 * then {@link #feeds} turns them into extra feeds of the second run. The forward pass of both runs
 * is the same (stochastic layers are keyed by the global step, which only the second run's update
 * advances), so the values describe the predictions the second run's losses see.
 */
public interface RunBridge {

  /** What the first run fetches. */
  List<Operand<?>> fetches();

  /**
   * The second run's extra feeds from the first run's fetched values (in {@link #fetches} order,
   * owned and closed by the caller); the caller closes the returned tensors after the step.
   */
  Map<Operand<?>, Tensor> feeds(List<Tensor> fetched);
}
