package org.delineo.graph.models.rfnet;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Zeroing of missing modalities, the graph form of PASSION's {@code MaskModal} ({@code y[mask] =
 * x[mask]} on zeros): a feature map of modality k is multiplied by the k-th column of the float
 * availability mask [B, M], broadcast over its spatial and channel axes.
 */
final class Masking {
  private Masking() {}

  /** Column k of a float mask [B, M] shaped [B, 1, 1, 1, 1], ready to scale an NDHWC map. */
  static Operand<TFloat32> column(Ops tf, Operand<TFloat32> mask, int k) {
    Operand<TFloat32> col = tf.gather(mask, tf.constant(new int[] {k}), tf.constant(1));
    return tf.reshape(col, tf.constant(new long[] {-1, 1, 1, 1, 1}));
  }

  /** The modality maps {@code features.get(k)} multiplied by their mask columns. */
  static List<Operand<TFloat32>> apply(
      Ops tf, List<Operand<TFloat32>> features, Operand<TFloat32> mask) {
    List<Operand<TFloat32>> out = new ArrayList<>(features.size());
    for (int k = 0; k < features.size(); k++) {
      out.add(tf.math.mul(features.get(k), column(tf, mask, k)));
    }
    return out;
  }

  /** The maps concatenated along channels, modality-major (PyTorch's view(B, K·C, ...)). */
  static Operand<TFloat32> concatChannels(Ops tf, List<Operand<TFloat32>> maps) {
    return maps.size() == 1 ? maps.get(0) : tf.concat(maps, tf.constant(4));
  }
}
