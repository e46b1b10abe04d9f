/**
 * The graph-building foundation every module shares: the graph context (ops, mode, seeds),
 * variables and their store, the {@link org.delineo.graph.Module} contract of Sonnet-style modules
 * (configure once, apply many times), tensor helpers and the base exception for user errors, and
 * the data-parallel {@link org.delineo.graph.Replica} a context may carry with its
 * {@link org.delineo.graph.AllReduce}.
 *
 * <p>May depend on: {@code graph.init}.
 */
package org.delineo.graph;
