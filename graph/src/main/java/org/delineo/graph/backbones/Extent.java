package org.delineo.graph.backbones;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt32;

/**
 * The length of one axis of a map while the graph is built: a Java int when the shape is static,
 * otherwise an int32 scalar computed from {@code tf.shape} when the step runs (training and export
 * graphs leave the batch, H and W free). Swin's windowing pads, reshapes and crops by lengths
 * derived from H and W; doing that arithmetic on known lengths in Java keeps every reshape target a
 * constant, so static shapes stay static through the backbone, while the same code serves free
 * sizes.
 */
final class Extent {
  /** Reshape's −1: the one dimension inferred from the others. */
  static final Extent INFERRED = new Extent(-1, null);

  private final int known;
  private final Operand<TInt32> value;

  private Extent(int known, Operand<TInt32> value) {
    this.known = known;
    this.value = value;
  }

  /** A length known while building. */
  static Extent of(int length) {
    return new Extent(length, null);
  }

  /** The length of {@code x}'s axis {@code axis} (static when the shape says so). */
  static Extent of(Ops tf, Operand<?> x, int axis) {
    long n = x.shape().isUnknown() ? -1 : x.shape().get(axis);
    return n >= 0 ? of((int) n) : new Extent(-1, tf.stridedSlice(tf.shape(x), Indices.at(axis)));
  }

  /** Whether the length is known while building. */
  boolean isKnown() {
    return value == null;
  }

  /** The static length; only for a known extent. */
  int get() {
    if (!isKnown()) {
      throw new IllegalStateException("length known only when the step runs");
    }
    return known;
  }

  /** The length as an int32 scalar (a constant when known). */
  Operand<TInt32> value(Ops tf) {
    return isKnown() ? tf.constant(known) : value;
  }

  /** The smallest multiple of {@code m} that is at least this length. */
  Extent roundUp(Ops tf, int m) {
    if (isKnown()) {
      return of((known + m - 1) / m * m);
    }
    Operand<TInt32> mm = tf.constant(m);
    return new Extent(-1, tf.math.mul(tf.math.floorDiv(tf.math.add(value, tf.constant(m - 1)), mm), mm));
  }

  /** This length divided by {@code m} (exact: the callers divide lengths rounded up to m). */
  Extent dividedBy(Ops tf, int m) {
    return isKnown() ? of(known / m) : new Extent(-1, tf.math.floorDiv(value, tf.constant(m)));
  }

  /** This length minus {@code other}. */
  Extent minus(Ops tf, Extent other) {
    return isKnown() && other.isKnown() ? of(known - other.known)
        : new Extent(-1, tf.math.sub(value(tf), other.value(tf)));
  }

  /** This length times {@code other}. */
  Extent times(Ops tf, Extent other) {
    return isKnown() && other.isKnown() ? of(known * other.known)
        : new Extent(-1, tf.math.mul(value(tf), other.value(tf)));
  }

  /**
   * The 1-D int32 vector of the given lengths, e.g. a reshape target or a slice size: a constant
   * when all are known, so the op it feeds keeps a static shape.
   */
  static Operand<TInt32> vector(Ops tf, Extent... lengths) {
    boolean allKnown = true;
    for (Extent e : lengths) {
      allKnown &= e.isKnown();
    }
    if (allKnown) {
      int[] v = new int[lengths.length];
      for (int i = 0; i < v.length; i++) {
        v[i] = lengths[i].known;
      }
      return tf.constant(v);
    }
    List<Operand<TInt32>> parts = new ArrayList<>();
    for (Extent e : lengths) {
      parts.add(e.value(tf));
    }
    return tf.stack(parts);
  }
}
