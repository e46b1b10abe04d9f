/**
 * Guice wiring: the registries of models, losses and strategies keyed by their config names, and
 * the {@link org.delineo.training.wiring.Experiment} they assemble.
 *
 * <p>May depend on: {@code graph}, {@code graph.backbones}, {@code graph.heads}, {@code
 * graph.model}, {@code graph.models}, {@code graph.models.rfnet}, {@code graph.models.semsim},
 * {@code graph.models.unet}, {@code losses}, {@code losses.semsim}, {@code proto}, {@code
 * training.config}, {@code training.data.pipeline}, {@code training.optim}, {@code
 * training.strategy}.
 */
package org.delineo.training.wiring;
