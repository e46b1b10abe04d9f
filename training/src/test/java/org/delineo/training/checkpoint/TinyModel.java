package org.delineo.training.checkpoint;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.Tensors;
import org.delineo.graph.VariableKind;
import org.delineo.graph.init.Initializers;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/** A graph with two ref variables, {@code net.weight} [2, 2] and {@code net.bias} [3], and a session. */
final class TinyModel implements AutoCloseable {
  final Graph graph = new Graph();
  final GraphContext ctx = GraphContext.create(graph, Mode.TRAIN, 3);
  final Operand<TFloat32> weight = ctx.variables().variable(
      "net.weight", Shape.of(2, 2), Initializers.heNormal(), VariableKind.WEIGHT);
  final Operand<TFloat32> bias = ctx.variables().variable(
      "net.bias", Shape.of(3), Initializers.constant(0.5f), VariableKind.BIAS);
  final Session session = new Session(graph);

  /** Opens a session; {@code initialize} runs the initializers (skip it to restore instead). */
  TinyModel(boolean initialize) {
    if (initialize) {
      session.initialize();
    }
  }

  /** Assigns new values to both variables through Assign ops. */
  @SuppressWarnings("unchecked")
  void set(float[] w, float[] b) {
    Variable<TFloat32> wRef = (Variable<TFloat32>) ctx.variables().find("net.weight").orElseThrow().ref();
    Variable<TFloat32> bRef = (Variable<TFloat32>) ctx.variables().find("net.bias").orElseThrow().ref();
    session.run(ctx.tf().assign(wRef, ctx.tf().constant(Shape.of(2, 2),
        DataBuffers.of(w))));
    session.run(ctx.tf().assign(bRef, ctx.tf().constant(Shape.of(3),
        DataBuffers.of(b))));
  }

  /** Values of a step-dependent pattern, so each checkpoint holds distinct values. */
  void setStep(long step) {
    set(new float[] {step, step + 0.25f, -step, 2 * step}, new float[] {step / 2f, 1, -1});
  }

  float[] weightValues() {
    try (Result r = session.runner().fetch(weight).run()) {
      return Tensors.toFloats(r, 0);
    }
  }

  float[] biasValues() {
    try (Result r = session.runner().fetch(bias).run()) {
      return Tensors.toFloats(r, 0);
    }
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
