package org.delineo.graph.heads;

import java.util.List;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.layers.Resize;
import org.delineo.graph.layers.ResizeMode;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Mask2Former's semantic segmentation scores from one stage's predictions, mmseg's
 * {@code Mask2FormerHead.predict} ({@code mmseg/models/decode_heads/mask2former_head.py}): the mask
 * logits are resized bilinearly (align_corners false) to the output size, then squashed by a
 * sigmoid (in that order, as mmseg); the class logits go through a softmax over the K + 1 classes
 * whose no-object column is then dropped; the score of class c at a pixel is Σ_q p(c | q)·m_q
 * ({@code einsum('bqc,bqhw->bchw')}), returned channels-last.
 */
public final class Mask2FormerSemanticInference {
  private Mask2FormerSemanticInference() {}

  /**
   * @param classLogits [N, Q, K + 1]
   * @param maskLogits [N, Q, h, w]
   * @param size int32 [2]: the output (height, width), e.g. the padded input's size
   * @return [N, height, width, K] class scores (not normalised over classes)
   */
  public static Operand<TFloat32> scores(
      Ops tf, Operand<TFloat32> classLogits, Operand<TFloat32> maskLogits, Operand<TInt32> size) {
    Shape c = classLogits.shape();
    if (c.isUnknown() || c.numDimensions() != 3 || c.get(2) < 2) {
      throw new ShapeMismatchException(
          "Mask2Former inference: expected class logits [N, Q, K + 1] with a static K + 1 >= 2, found " + c);
    }
    Shape m = maskLogits.shape();
    if (m.isUnknown() || m.numDimensions() != 4) {
      throw new ShapeMismatchException("Mask2Former inference: expected mask logits [N, Q, h, w], found " + m);
    }
    long classes = c.get(2) - 1;
    Operand<TFloat32> probabilities = tf.slice(tf.nn.softmax(classLogits),
        tf.constant(new long[] {0, 0, 0}), tf.constant(new long[] {-1, -1, classes})); // [N, Q, K]
    Operand<TFloat32> channelsLast = tf.linalg.transpose(maskLogits, tf.constant(new int[] {0, 2, 3, 1}));
    Operand<TFloat32> masks = tf.math.sigmoid(Resize.bilinear2d(tf, channelsLast, size, ResizeMode.HALF_PIXEL));
    Operand<TInt32> shape = tf.shape(masks); // [N, H, W, Q]
    Operand<TFloat32> pixels = tf.reshape(masks, tf.concat(List.of(
        tf.stridedSlice(shape, Indices.slice(0, 1)), tf.constant(new int[] {-1}),
        tf.stridedSlice(shape, Indices.slice(3, 4))), tf.constant(0))); // [N, H·W, Q]
    Operand<TFloat32> scores = tf.train.batchMatMul(pixels, probabilities, TFloat32.class); // [N, H·W, K]
    return tf.reshape(scores, tf.concat(List.of(tf.stridedSlice(shape, Indices.slice(0, 3)),
        tf.constant(new int[] {(int) classes})), tf.constant(0)));
  }

  /** {@link #scores(Ops, Operand, Operand, Operand)} to a size known while building. */
  public static Operand<TFloat32> scores(
      Ops tf, Operand<TFloat32> classLogits, Operand<TFloat32> maskLogits, long height, long width) {
    return scores(tf, classLogits, maskLogits, tf.constant(new int[] {Math.toIntExact(height), Math.toIntExact(width)}));
  }
}
