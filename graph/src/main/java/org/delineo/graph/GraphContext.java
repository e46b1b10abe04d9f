package org.delineo.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt64;

/**
 * What every graph-building call receives first: the {@link Ops}, the {@link Graph}, the
 * {@link VariableStore}, the {@link Mode} and the update ops collected while building (batch-norm
 * moving statistics), which the step runs together with the optimizer.
 *
 * <p>In a data-parallel step each tower builds the model under {@link #withReplica}: its ops go to
 * the tower's device while the variables, update ops, mode, seed and random step stay those of the
 * context it came from, so every tower reads and updates one set of variables.
 */
public final class GraphContext {
  private final Graph graph;
  private final Ops tf;
  private final VariableStore variables;
  private final Mode mode;
  private final long seed;
  private final List<Op> updateOps;
  private final Operand<TInt64> randomStep;
  private final Replica replica;
  private final Conv2dOps conv2dOps;

  private GraphContext(
      Graph graph,
      Ops tf,
      VariableStore variables,
      Mode mode,
      long seed,
      List<Op> updateOps,
      Operand<TInt64> randomStep,
      Replica replica,
      Conv2dOps conv2dOps) {
    this.graph = graph;
    this.tf = tf;
    this.variables = variables;
    this.mode = mode;
    this.seed = seed;
    this.updateOps = updateOps;
    this.randomStep = randomStep;
    this.replica = replica;
    this.conv2dOps = conv2dOps;
  }

  /** A context over a graph, with a fresh variable store whose initializers derive from {@code seed}. */
  public static GraphContext create(Graph graph, Mode mode, long seed) {
    Ops tf = Ops.create(graph);
    return new GraphContext(
        graph, tf, new VariableStore(tf, seed), mode, seed, new ArrayList<>(), null, null,
        Conv2dOps.GENERIC);
  }

  /**
   * The same graph, variables, update list and replica under another mode (e.g. an EVAL teacher
   * path).
   */
  public GraphContext withMode(Mode other) {
    return new GraphContext(graph, tf, variables, other, seed, updateOps, randomStep, replica, conv2dOps);
  }

  /**
   * The same context whose stochastic layers draw from stateless random ops keyed by (op seed,
   * {@code step}): masks then depend only on the training step, not on how many times a session
   * ran, so a resumed run draws exactly the masks an uninterrupted one would have.
   */
  public GraphContext withRandomStep(Operand<TInt64> step) {
    return new GraphContext(graph, tf, variables, mode, seed, updateOps, step, replica, conv2dOps);
  }

  /**
   * The same context for one tower of a data-parallel step: {@link #tf()} places every op it builds
   * on the replica's device (unchanged for the device {@code ""}), and {@link #replica()} gives the
   * replica. Variables, update ops, mode, seed and random step are shared with this context, so the
   * towers build one set of variables (created unplaced) and record their updates in one list.
   */
  public GraphContext withReplica(Replica r) {
    DeviceSpec device = DeviceStrings.parse(r.device());
    Ops placed = device == null ? tf : tf.withDevice(device);
    return new GraphContext(graph, placed, variables, mode, seed, updateOps, randomStep, r, conv2dOps);
  }

  /**
   * The same context whose 2-D convolution layers build {@code ops} (default {@link
   * Conv2dOps#GENERIC}); everything else is shared.
   */
  public GraphContext withConv2dOps(Conv2dOps ops) {
    return new GraphContext(graph, tf, variables, mode, seed, updateOps, randomStep, replica, ops);
  }

  /** Which ops the 2-D convolution layers build. */
  public Conv2dOps conv2dOps() {
    return conv2dOps;
  }

  /** The data-parallel replica this context builds for, if set by {@link #withReplica}. */
  public Optional<Replica> replica() {
    return Optional.ofNullable(replica);
  }

  /** The step that keys stateless random ops, if set by {@link #withRandomStep}. */
  public Optional<Operand<TInt64>> randomStep() {
    return Optional.ofNullable(randomStep);
  }

  public Graph graph() {
    return graph;
  }

  public Ops tf() {
    return tf;
  }

  public VariableStore variables() {
    return variables;
  }

  public Mode mode() {
    return mode;
  }

  /** Whether stochastic layers are active and batch statistics are used. */
  public boolean training() {
    return mode.isTraining();
  }

  /** Records an op that a training step must run (e.g. a moving-average update). */
  public void addUpdateOp(Op op) {
    updateOps.add(op);
  }

  /** The update ops recorded so far, in order. */
  public List<Op> updateOps() {
    return Collections.unmodifiableList(new ArrayList<>(updateOps));
  }

  /**
   * A seed for a random op, fixed by the op's module name: the same graph built twice draws the
   * same random streams (dropout masks) in the same order.
   */
  public long opSeed(String name) {
    return variables.seedFor("op:" + name);
  }
}
