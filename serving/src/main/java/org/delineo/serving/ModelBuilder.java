package org.delineo.serving;

import org.delineo.graph.GraphContext;

/**
 * Builds the inference graph the exporter saves: an input placeholder and the model on it, in the
 * given PREDICT-mode context, with the same variable names as in training so that the checkpoint
 * restores into it. No loss, no optimizer.
 *
 * <pre>{@code
 * ModelBuilder unet = ctx -> {
 *   Operand<TFloat32> image = ctx.tf().withName("image")
 *       .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 256, 256, 1)));
 *   return new PredictGraph(image, model.apply(ctx, ModelInputs.of(image)).logits());
 * };
 * }</pre>
 */
@FunctionalInterface
public interface ModelBuilder {

  /** Builds the placeholder and the model's logits in {@code ctx} (mode PREDICT). */
  PredictGraph build(GraphContext ctx);
}
