package org.delineo.graph.model;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * What a segmentation model produces: everything the losses of every strategy may need.
 *
 * @param logits main logits {@code [N, h, w, K]} (possibly below input resolution; losses resize)
 * @param auxLogits logits of auxiliary heads, keyed by head name (e.g. {@code "aux"})
 * @param deepSupervision logits per decoder scale, finest first (empty when the model has none)
 * @param features named feature maps for distillation and semi-supervised losses
 */
public record ModelOutputs(
    Operand<TFloat32> logits,
    Map<String, Operand<TFloat32>> auxLogits,
    List<Operand<TFloat32>> deepSupervision,
    Map<String, Operand<TFloat32>> features) {

  public ModelOutputs {
    auxLogits = Map.copyOf(auxLogits);
    deepSupervision = List.copyOf(deepSupervision);
    features = Map.copyOf(features);
  }

  /** Outputs with main logits only. */
  public static ModelOutputs of(Operand<TFloat32> logits) {
    return new ModelOutputs(logits, Map.of(), List.of(), Map.of());
  }
}
