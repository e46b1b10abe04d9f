/**
 * Data parallelism in the graph: the implementations of {@link org.delineo.graph.AllReduce} that
 * average tensors across the towers of one process and across worker processes (TensorFlow's
 * collective ops, NCCL on GPUs, the identity for a single replica), the Java gradients of those
 * ops, and the registry that gives every collective the same instance key in every process.
 *
 * <p>The {@link org.delineo.graph.AllReduce} interface and the {@link org.delineo.graph.Replica}
 * record themselves live in {@code graph}, beside the context that carries them.
 *
 * <p>May depend on: {@code graph}.
 */
package org.delineo.graph.distribute;
