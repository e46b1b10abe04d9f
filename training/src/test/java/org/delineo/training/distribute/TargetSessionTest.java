package org.delineo.training.distribute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/** Sessions opened through the C API with a target (the server case is in {@link WorkerProcessesTest}). */
class TargetSessionTest {

  @Test
  void theEmptyTargetGivesAWorkingInProcessSession() {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      var x = tf.placeholder(TFloat32.class);
      Operand<TFloat32> y = tf.math.mul(x, tf.constant(3f));
      try (Session session = TargetSession.open(graph, "", ConfigProto.getDefaultInstance());
          TFloat32 two = TFloat32.scalarOf(2f);
          Result r = session.runner().feed(x, two).fetch(y).run()) {
        assertEquals(6f, ((TFloat32) r.get(0)).getFloat());
      }
    }
  }

  @Test
  void anUnknownTargetIsOneLineNamingIt() {
    try (Graph graph = new Graph()) {
      DelineoException e = assertThrows(DelineoException.class,
          () -> TargetSession.open(graph, "nosuch://host:1", ConfigProto.getDefaultInstance()));
      assertTrue(e.getMessage().startsWith("cannot open a TensorFlow session on target 'nosuch://host:1': "),
          e.getMessage());
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
  }
}
