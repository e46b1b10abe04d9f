/**
 * Data parallelism across processes and machines on TensorFlow's distributed runtime: the worker
 * cluster a run belongs to ({@code --cluster}/{@code --task-index} or {@code TF_CONFIG}), the gRPC
 * server every worker starts, and sessions opened on that server's target, which the public
 * TensorFlow Java API cannot do.
 *
 * <p>May depend on: {@code graph}, {@code graph.io}, {@code training.config}.
 */
package org.delineo.training.distribute;
