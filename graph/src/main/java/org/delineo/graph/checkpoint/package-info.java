/**
 * Reads TensorFlow checkpoints without TensorFlow (the tensor-bundle index, a LevelDB table) and
 * checks that a checkpoint fits a graph before any restore.
 *
 * <p>May depend on: {@code graph}.
 */
package org.delineo.graph.checkpoint;
