/**
 * The training loop: the training graph, the trainer with checkpointing, periodic validation and
 * resume (alone or as one worker of several processes), and the step benchmark.
 *
 * <p>May depend on: {@code graph}, {@code graph.distribute}, {@code graph.gradients}, {@code
 * graph.model}, {@code proto}, {@code training.checkpoint}, {@code training.data}, {@code
 * training.data.brats}, {@code training.data.pipeline}, {@code training.distribute}, {@code
 * training.eval}, {@code training.metrics}, {@code training.optim}, {@code training.run}, {@code
 * training.strategy}, {@code training.wiring}.
 */
package org.delineo.training.train;
