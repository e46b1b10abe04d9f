package org.delineo.training.optim;

import org.delineo.graph.ModelVariable;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * What an update rule receives for one variable once clipping and parameter groups are resolved.
 *
 * @param variable the variable to write
 * @param gradient its gradient, after clipping, before weight decay
 * @param lr the scheduled learning rate times the variable's group multiplier
 * @param weightDecay the optimizer's weight decay times the variable's decay multiplier (0 = none)
 */
record VariableUpdate(
    ModelVariable<TFloat32> variable, Operand<TFloat32> gradient, Operand<TFloat32> lr, float weightDecay) {}
