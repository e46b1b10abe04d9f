package org.delineo.losses.prism;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * What {@link PrototypeLoss} returns per sample: the loss to minimise and the "dist" statistic that
 * PASSION's relative-preference gate compares across modalities.
 *
 * @param loss the per-sample loss [N], differentiable w.r.t. the student features
 * @param dist the per-sample statistic [N]; detached (a gate input, never a training signal)
 */
public record PrototypeTerms(Operand<TFloat32> loss, Operand<TFloat32> dist) {}
