/**
 * Optimisers (SGD, Adam) as explicit graph update ops, learning-rate schedules, parameter groups
 * and gradient clipping.
 *
 * <p>May depend on: {@code graph}, {@code graph.init}, {@code proto}, {@code training.config}.
 */
package org.delineo.training.optim;
