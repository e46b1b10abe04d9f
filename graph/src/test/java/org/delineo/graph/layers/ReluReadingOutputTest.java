package org.delineo.graph.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.delineo.graph.testing.BackwardReaders;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * {@link Activations#relu}'s backward pass reads the output, never the input, and still gives the
 * ReLU gradient (1 where x > 0, else 0), also when x has other consumers and when an unmarked
 * IdentityN passes gradients through.
 */
class ReluReadingOutputTest {
  private static final float[] X = {-2f, -0.5f, 0.25f, 3f, -1f, 2f};

  @Test
  void noBackwardOpReadsTheInput() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> p = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(2, 3)));
      Operand<TFloat32> x = tf.math.mul(p, tf.constant(2f)); // a pre-activation the step would keep
      Operand<TFloat32> y = Activations.relu(tf, x);
      Operand<TFloat32> loss = tf.reduceSum(tf.math.square(y), tf.constant(new int[] {0, 1}));
      List<String> readers = BackwardReaders.of(g, x,
          () -> g.addGradients(loss.asOutput(), new Output<?>[] {p.asOutput()}));
      assertEquals(List.of(), readers, "backward ops reading the pre-activation");
    }
  }

  @Test
  void noBackwardOpReadsZerosForTheUnusedSecondOutput() {
    // The zeros TF's gradient builder makes for IdentityN's unread second output could run in the
    // forward pass and stay alive until the backward pass: nothing may add them. (The Relu's own
    // gradient reads the zeros this gradient returns for it; that op feeds nothing and never runs.)
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> p = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(2, 3)));
      Operand<TFloat32> y = Activations.relu(tf, tf.math.mul(p, tf.constant(2f)));
      Operand<TFloat32> loss = tf.reduceSum(tf.math.square(y), tf.constant(new int[] {0, 1}));
      g.addGradients(loss.asOutput(), new Output<?>[] {p.asOutput()});
      List<String> readers = new ArrayList<>();
      for (Iterator<GraphOperation> it = g.operations(); it.hasNext(); ) {
        GraphOperation op = it.next();
        for (int i = 0; i < op.numInputs(); i++) {
          if (op.input(i).op().type().equals("ZerosLike") && op.type().startsWith("Add")) {
            readers.add(op.type() + " " + op.name());
          }
        }
      }
      assertEquals(List.of(), readers, "backward ops adding zeros");
    }
  }

  @Test
  void gradientIsTheReluMaskTimesUpstream() {
    // loss = sum(c · relu(2p)) with c = 1..6: d loss / d p = 2 c [2p > 0].
    float[] expected = new float[X.length];
    for (int i = 0; i < X.length; i++) {
      expected[i] = X[i] > 0 ? 2f * (i + 1) : 0f;
    }
    assertArrayEquals(expected, gradient(false), 0f);
  }

  @Test
  void aSecondConsumerOfTheInputAddsItsGradient() {
    // loss = sum(c · relu(2p)) + sum(2p): the second term adds 2 everywhere.
    float[] expected = new float[X.length];
    for (int i = 0; i < X.length; i++) {
      expected[i] = (X[i] > 0 ? 2f * (i + 1) : 0f) + 2f;
    }
    assertArrayEquals(expected, gradient(true), 0f);
  }

  @Test
  void anUnmarkedIdentityNPassesGradientsThrough() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Activations.relu(tf, tf.constant(1f)); // registers the gradients
      Operand<TFloat32> a = tf.constant(new float[] {1f, 2f});
      Operand<TFloat32> b = tf.constant(new float[] {3f});
      var ids = tf.identityN(List.of(a, b));
      @SuppressWarnings("unchecked")
      Operand<TFloat32> second = (Operand<TFloat32>) ids.output().get(1);
      Operand<TFloat32> loss = tf.math.add(
          tf.reduceSum(tf.math.mul(ids.output().get(0).expect(TFloat32.class), tf.constant(new float[] {5f, 7f})),
              tf.constant(0)),
          tf.reduceSum(tf.math.mul(second, tf.constant(11f)), tf.constant(0)));
      Output<?>[] grads = g.addGradients(loss.asOutput(), new Output<?>[] {a.asOutput(), b.asOutput()});
      try (var r = s.runner().fetch(grads[0]).fetch(grads[1]).run()) {
        TFloat32 ga = (TFloat32) r.get(0);
        TFloat32 gb = (TFloat32) r.get(1);
        assertEquals(5f, ga.getFloat(0));
        assertEquals(7f, ga.getFloat(1));
        assertEquals(11f, gb.getFloat(0));
      }
    }
  }

  /** d/dp of sum(c · relu(2p)) (+ sum(2p) if {@code secondConsumer}) at {@link #X}. */
  private static float[] gradient(boolean secondConsumer) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> p = tf.constant(new float[][] {{X[0], X[1], X[2]}, {X[3], X[4], X[5]}});
      Operand<TFloat32> x = tf.math.mul(p, tf.constant(2f));
      Operand<TFloat32> c = tf.constant(new float[][] {{1, 2, 3}, {4, 5, 6}});
      Operand<TFloat32> loss =
          tf.reduceSum(tf.math.mul(Activations.relu(tf, x), c), tf.constant(new int[] {0, 1}));
      if (secondConsumer) {
        loss = tf.math.add(loss, tf.reduceSum(x, tf.constant(new int[] {0, 1})));
      }
      Output<?> grad = g.addGradients(loss.asOutput(), new Output<?>[] {p.asOutput()})[0];
      try (var r = s.runner().fetch(grad).run()) {
        TFloat32 t = (TFloat32) r.get(0);
        float[] out = new float[X.length];
        for (int i = 0; i < X.length; i++) {
          out[i] = t.getFloat(i / 3, i % 3);
        }
        return out;
      }
    }
  }

}
