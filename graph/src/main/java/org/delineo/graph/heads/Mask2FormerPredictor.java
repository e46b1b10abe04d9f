package org.delineo.graph.heads;

import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.layers.LayerNorm;
import org.delineo.graph.layers.Linear;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The prediction of one Mask2Former decoder stage, mmdet's {@code Mask2FormerHead._forward_head}
 * ({@code mask2former_head.py} lines 358–364): the queries go through the decoder's
 * {@code transformer_decoder.post_norm} (LayerNorm), then {@code cls_embed} (Linear C → K + 1) gives
 * the class logits and {@code mask_embed} (three Linear C → C with ReLU between) a mask embedding
 * whose dot product with each pixel of the mask features gives the mask logits
 * ({@code einsum('bqc,bchw->bqhw')}). Variables under the head's name: {@code
 * transformer_decoder.post_norm.*}, {@code cls_embed.*}, {@code mask_embed.{0,2,4}.*}.
 *
 * <p>The masks come out channels-last, [N, h, w, Q], the layout the attention mask's resize needs;
 * {@link Mask2FormerDecoder} turns them to [N, Q, h, w] for its callers.
 */
final class Mask2FormerPredictor extends Module {
  private final int dim;
  private final LayerNorm postNorm;
  private final Linear clsEmbed;
  private final SequentialReluMlp maskEmbed;

  /** One stage's outputs: class logits [N, Q, K + 1] and mask logits [N, h, w, Q]. */
  record Prediction(Operand<TFloat32> classLogits, Operand<TFloat32> maskLogits) {}

  /**
   * @param name the head's module path, e.g. {@code decode_head}
   * @param numClasses K (the class layer adds the no-object output)
   * @param dim width of the queries and of the mask features
   */
  Mask2FormerPredictor(String name, int numClasses, int dim) {
    super(name);
    this.dim = dim;
    this.postNorm = new LayerNorm(child("transformer_decoder.post_norm"));
    this.clsEmbed = new Linear(child("cls_embed"), numClasses + 1L,
        TransformerInits.torchLinearWeight(), TransformerInits.torchLinearBias(dim));
    this.maskEmbed = new SequentialReluMlp(child("mask_embed"), dim, dim, dim, dim);
  }

  /**
   * @param query [N, Q, C] decoder queries (before the post-norm)
   * @param maskFeatures [N, h, w, C] the pixel decoder's mask features
   */
  Prediction apply(GraphContext ctx, Operand<TFloat32> query, Operand<TFloat32> maskFeatures) {
    if (maskFeatures.shape().isUnknown() || maskFeatures.shape().numDimensions() != 4
        || maskFeatures.shape().get(3) != dim) {
      throw new ShapeMismatchException(name() + ": expected mask features [N, h, w, " + dim
          + "], found shape " + maskFeatures.shape());
    }
    Ops tf = ctx.tf();
    Operand<TFloat32> normed = postNorm.apply(ctx, query);
    Operand<TFloat32> classLogits = clsEmbed.apply(ctx, normed);
    Operand<TFloat32> embedding = maskEmbed.apply(ctx, normed); // [N, Q, C]
    Operand<TInt32> shape = tf.shape(maskFeatures);
    Operand<TFloat32> pixels = tf.reshape(maskFeatures,
        tf.concat(List.of(tf.stridedSlice(shape, Indices.slice(0, 1)), tf.constant(new int[] {-1, dim})),
            tf.constant(0))); // [N, h·w, C]
    Operand<TFloat32> dots =
        tf.train.batchMatMul(pixels, embedding, TFloat32.class, BatchMatMul.adjY(true)); // [N, h·w, Q]
    Operand<TInt32> queries = tf.stridedSlice(tf.shape(embedding), Indices.slice(1, 2));
    Operand<TFloat32> maskLogits = tf.reshape(dots,
        tf.concat(List.of(tf.stridedSlice(shape, Indices.slice(0, 3)), queries), tf.constant(0)));
    return new Prediction(classLogits, maskLogits);
  }
}
