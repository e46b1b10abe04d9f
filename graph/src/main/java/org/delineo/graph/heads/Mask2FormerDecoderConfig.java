package org.delineo.graph.heads;

import org.delineo.graph.DelineoException;

/**
 * The sizes of Mask2Former's transformer decoder and prediction head.
 *
 * @param numClasses K, the classes without the no-object class (the class layer has K + 1 outputs)
 * @param dim width of queries, memories and mask features ({@code feat_channels}); a multiple of
 *     {@code heads} and of 4 (the sine code has dim / 2 channels per axis, an even number)
 * @param heads attention heads
 * @param feedforward hidden width of each layer's FFN
 * @param queries number of queries
 * @param layers number of decoder layers
 * @param levels number of memory levels the layers cycle through (layer i reads level i mod levels)
 */
public record Mask2FormerDecoderConfig(
    int numClasses, int dim, int heads, int feedforward, int queries, int layers, int levels) {

  public Mask2FormerDecoderConfig {
    positive("num_classes", numClasses);
    positive("feat_channels", dim);
    positive("num_heads", heads);
    positive("feedforward_channels", feedforward);
    positive("num_queries", queries);
    positive("num_layers", layers);
    positive("num_transformer_feat_level", levels);
    if (dim % heads != 0 || dim % 4 != 0) {
      throw new DelineoException("Mask2Former decoder: feat_channels must be a multiple of num_heads = "
          + heads + " and of 4, found " + dim);
    }
  }

  /**
   * mmseg's {@code mask2former_swin-b} head: width 256, 8 heads, FFN 2048, 100 queries, 9 layers,
   * 3 levels.
   */
  public static Mask2FormerDecoderConfig reference(int numClasses) {
    return new Mask2FormerDecoderConfig(numClasses, 256, 8, 2048, 100, 9, 3);
  }

  private static void positive(String field, int value) {
    if (value < 1) {
      throw new DelineoException("Mask2Former decoder: " + field + " must be positive, found " + value);
    }
  }
}
