package org.delineo.losses;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.graph.layers.Resize;
import org.delineo.graph.layers.ResizeMode;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.AssertThat;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * The weighted sum of every head's loss terms, as mmsegmentation's decode heads compute it: each
 * head's logits are resized (bilinear, half-pixel centres, i.e. {@code align_corners=False}) to the
 * label size before its terms are applied; terms of all heads are added with their weights (which
 * may follow the training step). With a pixel sampler (OHEM), each head's sampled pixel weights
 * multiply every term of that head, as mmseg's {@code seg_weight}.
 */
public final class HeadLosses {
  private final List<WeightedTerm> terms;
  private final PixelSampler sampler;

  /** Terms without pixel sampling. */
  public HeadLosses(List<WeightedTerm> terms) {
    this(terms, null);
  }

  /** @param sampler chooses the pixels of each head's terms, or null for all valid pixels */
  public HeadLosses(List<WeightedTerm> terms, PixelSampler sampler) {
    if (terms.isEmpty()) {
      throw new DelineoException("a loss needs at least one term, found none");
    }
    this.terms = List.copyOf(terms);
    this.sampler = sampler;
  }

  /** The configured terms in order. */
  public List<WeightedTerm> terms() {
    return terms;
  }

  /**
   * Builds every term and the total.
   *
   * @param logitsByHead logits per head name (the main head is {@code decode})
   * @param labels integer labels at full resolution
   * @param step the global step for scheduled weights, or null (weights at step 0)
   * @return each term's unweighted value by name, plus the weighted sum under {@code "loss"}
   */
  public Map<String, Operand<TFloat32>> build(Ops tf, Map<String, Operand<TFloat32>> logitsByHead,
      Operand<TInt32> labels, Operand<TInt64> step) {
    Map<String, Operand<TFloat32>> out = new LinkedHashMap<>();
    Map<String, Operand<TFloat32>> resized = new LinkedHashMap<>();
    Map<String, Operand<TFloat32>> pixelWeights = new LinkedHashMap<>();
    Operand<TFloat32> total = null;
    for (WeightedTerm t : terms) {
      Operand<TFloat32> logits = resized.computeIfAbsent(t.head(), head -> {
        Operand<TFloat32> l = logitsByHead.get(head);
        if (l == null) {
          throw new DelineoException("loss term '" + t.name() + "' reads head '" + head
              + "', but the model has heads " + logitsByHead.keySet());
        }
        return toLabelSize(tf, l, labels);
      });
      Operand<TFloat32> weights = sampler == null ? null
          : pixelWeights.computeIfAbsent(t.head(), h -> tf.stopGradient(sampler.weights(tf, logits, labels)));
      Operand<TFloat32> value = t.term().apply(tf, logits, labels, weights);
      out.put(t.name(), value);
      Operand<TFloat32> weighted = tf.math.mul(value, t.weight().at(tf, step));
      total = total == null ? weighted : tf.math.add(total, weighted);
    }
    out.put("loss", total);
    return out;
  }

  private static Operand<TFloat32> toLabelSize(Ops tf, Operand<TFloat32> logits, Operand<TInt32> labels) {
    int rank = logits.shape().numDimensions();
    if (rank != labels.shape().numDimensions() + 1) {
      throw new DelineoException("logits of rank " + rank + " need labels of rank " + (rank - 1)
          + ", found labels of shape " + labels.shape());
    }
    boolean same = true;
    for (int i = 1; i < rank - 1; i++) {
      long a = logits.shape().get(i);
      long b = labels.shape().get(i);
      same &= a == b && a >= 0;
    }
    if (same) {
      return logits;
    }
    if (rank != 4) {
      // Volumes are never resized here (the 3D references compute losses at the crop size). When
      // the labels' size is only known at run time (a placeholder of any size), check it there.
      for (int i = 1; i < rank - 1; i++) {
        long a = logits.shape().get(i);
        long b = labels.shape().get(i);
        if (a >= 0 && b >= 0 && a != b) {
          throw new DelineoException("3D logits of shape " + logits.shape()
              + " must already match the label size " + labels.shape());
        }
      }
      Operand<TInt32> spatial = tf.constant(new int[] {rank - 2});
      Operand<TInt32> begin = tf.constant(new int[] {1});
      Operand<TBool> equal = tf.math.equal(tf.slice(tf.shape(logits), begin, spatial),
          tf.slice(tf.shape(labels), begin, spatial));
      AssertThat check = tf.assertThat(tf.reduceAll(equal, tf.constant(0)), List.of(
          tf.constant("3D logits must already match the label size; logits, labels:"),
          tf.shape(logits), tf.shape(labels)));
      return tf.withControlDependencies(List.of(check)).identity(logits);
    }
    Operand<TInt32> size = tf.slice(tf.shape(labels), tf.constant(new int[] {1}), tf.constant(new int[] {2}));
    return Resize.bilinear2d(tf, logits, size, ResizeMode.HALF_PIXEL);
  }
}
