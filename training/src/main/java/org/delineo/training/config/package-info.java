/**
 * Experiment configs: text-format loading, {@code --set} overrides, validation, and the
 * differences between two configs; config mistakes are {@link
 * org.delineo.training.config.ConfigException}.
 *
 * <p>May depend on: {@code graph}, {@code proto}.
 */
package org.delineo.training.config;
