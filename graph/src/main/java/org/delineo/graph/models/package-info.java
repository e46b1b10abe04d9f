/**
 * Whole scene models: a backbone joined to a decode head (and an optional auxiliary head).
 *
 * <p>May depend on: {@code graph}, {@code graph.heads}, {@code graph.model}.
 */
package org.delineo.graph.models;
