package org.delineo.losses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * {@link HeadLosses} on volumes: 3D logits are never resized, so their size must equal the labels'.
 * A label placeholder of any size (how the supervised strategy feeds labels) is checked when the
 * step runs; sizes known to differ when the graph is built are refused then.
 */
class HeadLossesVolumeSizeTest {
  private static final int K = 3;

  private static HeadLosses crossEntropy() {
    return new HeadLosses(List.of(new WeightedTerm("decode", "ce", 1f, CrossEntropyLoss.builder().build())));
  }

  /**
   * Uniform logits over K classes: the mean cross-entropy is ln K for any valid labels (up to
   * mmseg's eps). Label tensors are filled explicitly: {@code tensorOf(shape)} leaves memory as found.
   */
  @Test
  void labelsOfUnknownSizeAreCheckedWhenTheStepRuns() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> logits = tf.zeros(tf.constant(new long[] {1, 2, 2, 2, K}), TFloat32.class);
      Placeholder<TInt32> labels = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1, -1, -1)));
      Operand<TFloat32> loss = crossEntropy().build(tf, Map.of("decode", logits), labels, null).get("loss");
      try (TInt32 same = TInt32.tensorOf(Shape.of(1, 2, 2, 2), DataBuffers.of(new int[] {0, 1, 2, 0, 1, 2, 0, 1}));
          Result result = s.runner().feed(labels, same).fetch(loss).run()) {
        assertEquals(Math.log(K), ((TFloat32) result.get(0)).getFloat(), 1e-5);
      }
      try (TInt32 smaller = TInt32.tensorOf(Shape.of(1, 2, 2, 1), DataBuffers.of(new int[] {0, 1, 2, 0}))) {
        TFInvalidArgumentException e = assertThrows(TFInvalidArgumentException.class,
            () -> s.runner().feed(labels, smaller).fetch(loss).run().close());
        assertTrue(e.getMessage().contains("3D logits must already match the label size"), e.getMessage());
      }
    }
  }

  @Test
  void sizesKnownToDifferAreRefusedWhenTheGraphIsBuilt() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> logits = tf.zeros(tf.constant(new long[] {1, 2, 2, 2, K}), TFloat32.class);
      Placeholder<TInt32> labels = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, 2, 2, 3)));
      DelineoException e = assertThrows(DelineoException.class,
          () -> crossEntropy().build(tf, Map.of("decode", logits), labels, null));
      assertTrue(e.getMessage().contains("must already match the label size"), e.getMessage());
    }
  }
}
