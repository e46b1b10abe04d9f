package org.delineo.training.strategy;

import org.delineo.graph.GraphContext;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.training.optim.Optimizer;

/**
 * Assembles the step graph of one training method from a model, its losses and the step inputs:
 * supervised training, PRISM distillation, Meta-Drop, SemSim.
 */
public interface TrainingStrategy {

  /** The registry name used in configs and logs. */
  String name();

  /** Builds the training ops in {@code ctx} (TRAIN mode). */
  TrainStep build(GraphContext ctx, SegmentationModel model, StepInputs inputs, Optimizer optimizer);
}
