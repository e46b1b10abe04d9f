package org.delineo.training.strategy;

import org.tensorflow.Operand;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * The tensors a training step is fed.
 *
 * @param image normalised images {@code [N, H, W, C]} or volumes {@code [N, D, H, W, M]}
 * @param labels class ids {@code [N, H, W]} / {@code [N, D, H, W]}
 * @param modalityMask {@code [N, M]} modality availability, or null
 * @param step the global step (before this update), for step-dependent loss weights
 */
public record StepInputs(Operand<TFloat32> image, Operand<TInt32> labels, Operand<TBool> modalityMask,
    Operand<TInt64> step) {}
