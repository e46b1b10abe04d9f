package org.delineo.graph.heads;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.layers.ChannelDropout;
import org.delineo.graph.layers.Conv2d;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * mmseg's {@code BaseDecodeHead.cls_seg}: channel dropout (when the rate is positive) then the
 * 1 × 1 classifier {@code <head>.conv_seg} with bias, weights N(0, 0.01²).
 */
final class SegClassifier implements Layer {
  private final ChannelDropout dropout;
  private final Conv2d convSeg;

  /** @param dropoutRate mmseg's {@code dropout_ratio}; ≤ 0 means no dropout (mmseg's −1) */
  SegClassifier(String head, int numClasses, float dropoutRate) {
    this.dropout = dropoutRate > 0f ? new ChannelDropout(head + ".dropout", dropoutRate) : null;
    this.convSeg = Conv2d.builder(head + ".conv_seg", numClasses).kernel(1).bias(true)
        .init(HeadInits.convSeg()).build();
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Operand<TFloat32> x = dropout == null ? input : dropout.apply(ctx, input);
    return convSeg.apply(ctx, x);
  }
}
