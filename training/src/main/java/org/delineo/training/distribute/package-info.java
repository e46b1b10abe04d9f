/**
 * Data parallelism across processes and machines on TensorFlow's distributed runtime: the worker
 * cluster a run belongs to ({@code --cluster}/{@code --task-index} or {@code TF_CONFIG}), the gRPC
 * server every worker starts, sessions opened on that server's target (which the public TensorFlow
 * Java API cannot do), and what a training worker adds to its graph: gradients and logged scalars
 * averaged over the workers, worker 0's variables broadcast at the start, and the agreement on
 * stopping after worker 0's evaluations.
 *
 * <p>May depend on: {@code graph}, {@code graph.distribute}, {@code graph.io}, {@code proto}, {@code
 * training.config}, {@code training.data.pipeline}, {@code training.optim}, {@code training.run}, {@code
 * training.strategy}.
 */
package org.delineo.training.distribute;
