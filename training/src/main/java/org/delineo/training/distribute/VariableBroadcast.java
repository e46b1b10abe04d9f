package org.delineo.training.distribute;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Operation;
import org.tensorflow.OperationBuilder;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TInt64;

/**
 * Makes every worker start from worker 0's state: worker 0 sends, with TensorFlow's
 * {@code CollectiveBcastSendV2}, the value of every variable of the graph (weights, batch-norm
 * statistics, optimizer slots, the global step: everything a checkpoint holds) and the others
 * assign what {@code CollectiveBcastRecvV2} receives. Worker 0 alone initialises, restores a
 * checkpoint or loads pretrained weights; the others need neither the checkpoint nor the files.
 * An exact copy, unlike an all-reduce of "worker 0's value, zeros elsewhere", whose mean times the
 * worker count need not give the value back bit for bit.
 *
 * <p>A first, separate broadcast carries worker 0's position (step, epoch, batch in epoch) and a
 * fingerprint of its variables (names, types, shapes), so a worker whose graph differs (another
 * config) fails with a clear message instead of receiving into the wrong variables.
 *
 * <p>Every collective gets its instance key from its position in the variables sorted by name,
 * the same in every worker that built the same graph. It is also the workers' rendezvous at start,
 * so it waits as long as the synchronisation timeout allows.
 */
final class VariableBroadcast {
  /** The state vector: step, epoch, batch in epoch, variable fingerprint. */
  static final int STATE_SIZE = 4;

  private final boolean sender;
  private final Placeholder<TInt64> stateIn;
  private final Operand<TInt64> stateOut;
  private final Operation variables;

  private VariableBroadcast(boolean sender, Placeholder<TInt64> stateIn, Operand<TInt64> stateOut,
      Operation variables) {
    this.sender = sender;
    this.stateIn = stateIn;
    this.stateOut = stateOut;
    this.variables = variables;
  }

  /**
   * Builds the broadcast of every variable now in {@code graph}; build it after the training graph.
   *
   * @param sender whether this is worker 0
   */
  static VariableBroadcast build(Graph graph, boolean sender, int workers, int groupKey, float timeoutSeconds) {
    List<GraphOperation> vars = variablesByName(graph);
    Ops tf = Ops.create(graph).withSubScope("worker_broadcast");
    Collective collective = new Collective(tf, workers, groupKey, timeoutSeconds);
    long fingerprint = fingerprint(vars);
    Placeholder<TInt64> stateIn = null;
    Operand<TInt64> stateOut;
    if (sender) {
      stateIn = tf.placeholder(TInt64.class);
      // The send's output is its input: fetching it runs the send.
      stateOut = collective.send(withLocal(tf, stateIn, fingerprint).asOutput(), 1);
    } else {
      // The fingerprint fetched after worker 0's is the local one, for the comparison.
      stateOut = withLocal(tf, collective.<TInt64>receive(DataType.DT_INT64, Shape.of(STATE_SIZE), 1), fingerprint);
    }
    List<Operation> all = new ArrayList<>();
    for (int i = 0; i < vars.size(); i++) {
      GraphOperation v = vars.get(i);
      int instance = i + 2;
      if (sender) {
        all.add(collective.send(v.output(0), instance).op());
      } else {
        Output<?> received = collective.receive(v.attributes().getAttrType("dtype"),
            v.attributes().getAttrShape("shape"), instance);
        all.add(tf.scope().opBuilder("Assign", "assign")
            .addInput(v.output(0))
            .addInput(received)
            .setAttr("validate_shape", true)
            .setAttr("use_locking", true)
            .build());
      }
    }
    OperationBuilder group = tf.scope().opBuilder("NoOp", "variables");
    all.forEach(group::addControlInput);
    Operation variables = group.build();
    return new VariableBroadcast(sender, stateIn, stateOut, variables);
  }

  /**
   * Runs the broadcast: worker 0 sends {@code position} (step, epoch, batch in epoch) and its
   * variables; every worker returns worker 0's position.
   *
   * @throws DelineoException when this worker's variables differ from worker 0's
   */
  long[] run(Session session, long[] position, int taskIndex) {
    // Worker 0 fetches what it sent, [position, fingerprint]; the others that and their own fingerprint.
    long[] received = new long[STATE_SIZE + 1];
    Session.Runner runner = session.runner().fetch(stateOut);
    try (TInt64 state = sender ? TInt64.vectorOf(position) : null) {
      if (sender) {
        runner.feed(stateIn, state);
      }
      try (Result r = runner.run()) {
        TInt64 t = (TInt64) r.get(0);
        for (int i = 0; i < t.size(); i++) {
          received[i] = t.getLong(i);
        }
      }
    }
    if (!sender && received[STATE_SIZE - 1] != received[STATE_SIZE]) {
      throw new DelineoException("worker " + taskIndex + " built other variables (names, types or shapes) than"
          + " worker 0: every worker must run the same config, ablations and data channels");
    }
    session.runner().addTarget(variables).run();
    return new long[] {received[0], received[1], received[2]};
  }

  /** {@code state} followed by the local fingerprint. */
  private static Operand<TInt64> withLocal(Ops tf, Operand<TInt64> state, long fingerprint) {
    // For worker 0 this is what it sends: its position and fingerprint.
    return tf.concat(List.of(state, tf.constant(new long[] {fingerprint})), tf.constant(0));
  }

  private static List<GraphOperation> variablesByName(Graph graph) {
    List<GraphOperation> vars = new ArrayList<>();
    for (Iterator<GraphOperation> it = graph.operations(); it.hasNext(); ) {
      GraphOperation op = it.next();
      if (op.type().equals("VariableV2")) {
        vars.add(op);
      }
    }
    vars.sort(Comparator.comparing(GraphOperation::name));
    return vars;
  }

  /** A hash of the variables' names, types and shapes, in order. */
  private static long fingerprint(List<GraphOperation> vars) {
    long h = 1125899906842597L;
    for (GraphOperation v : vars) {
      String text = v.name() + ":" + v.attributes().getAttrType("dtype") + ":" + v.attributes().getAttrShape("shape");
      for (int i = 0; i < text.length(); i++) {
        h = 31 * h + text.charAt(i);
      }
    }
    return h;
  }

  /** Builds the broadcast ops of one group. */
  private record Collective(Ops tf, int workers, int groupKey, float timeoutSeconds) {

    <T extends org.tensorflow.types.family.TType> Output<T> send(Output<?> value, int instance) {
      return tf.scope().opBuilder("CollectiveBcastSendV2", "send")
          .addInput(value)
          .addInput(tf.constant(workers).asOutput())
          .addInput(tf.constant(groupKey).asOutput())
          .addInput(tf.constant(instance).asOutput())
          .setAttr("communication_hint", "auto")
          .setAttr("timeout_seconds", timeoutSeconds)
          .build()
          .output(0);
    }

    <T extends org.tensorflow.types.family.TType> Output<T> receive(DataType type, Shape shape, int instance) {
      return tf.scope().opBuilder("CollectiveBcastRecvV2", "receive")
          .addInput(tf.constant(workers).asOutput())
          .addInput(tf.constant(groupKey).asOutput())
          .addInput(tf.constant(instance).asOutput())
          .addInput(tf.constant(shape.asArray()).asOutput())
          .setAttr("T", baseType(type))
          .setAttr("communication_hint", "auto")
          .setAttr("timeout_seconds", timeoutSeconds)
          .build()
          .output(0);
    }

    /** A ref variable's dtype attribute is already the base type; kept explicit for safety. */
    private static DataType baseType(DataType type) {
      int n = type.getNumber();
      return n > 100 ? DataType.forNumber(n - 100) : type;
    }
  }
}
