package org.delineo.graph.checkpoint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TType;

/** Builds graphs of named {@code VariableV2} ops and saves them with TensorFlow's own {@code Session.save}. */
final class BundleFixture {
  private final Graph graph;
  private final Ops tf;
  private final List<Op> assigns = new ArrayList<>();

  BundleFixture(Graph graph) {
    this.graph = graph;
    this.tf = Ops.create(graph);
  }

  /** Adds variable {@code name} of {@code type} and {@code dims}, assigned zeros (false for bool) on save. */
  <T extends TType> BundleFixture variable(String name, Class<T> type, long... dims) {
    Variable<T> v = tf.withName(name).variable(Shape.of(dims), type);
    Operand<T> zeros = tf.zeros(tf.constant(dims), type);
    assigns.add(tf.assign(v, zeros));
    return this;
  }

  /** Initialises every variable and saves the bundle under {@code prefix}. */
  void save(Path prefix) {
    try (Session s = new Session(graph)) {
      Session.Runner r = s.runner();
      assigns.forEach(r::addTarget);
      r.run();
      s.save(prefix.toString());
    }
  }
}
