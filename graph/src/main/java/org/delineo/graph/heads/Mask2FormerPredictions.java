package org.delineo.graph.heads;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Mask2Former's predictions, one per decoder stage: index 0 from the learned queries before the
 * first layer, index i from the queries after layer i (mmdet's {@code cls_pred_list} and
 * {@code mask_pred_list}); the losses use all of them, inference the last.
 *
 * @param classLogits per stage [N, Q, K + 1], the last class being no-object
 * @param maskLogits per stage [N, Q, h, w] at the mask features' resolution (1/4 of the input)
 */
public record Mask2FormerPredictions(
    List<Operand<TFloat32>> classLogits, List<Operand<TFloat32>> maskLogits) {

  public Mask2FormerPredictions {
    classLogits = List.copyOf(classLogits);
    maskLogits = List.copyOf(maskLogits);
  }

  /** The class logits after the last layer, [N, Q, K + 1]. */
  public Operand<TFloat32> lastClassLogits() {
    return classLogits.get(classLogits.size() - 1);
  }

  /** The mask logits after the last layer, [N, Q, h, w]. */
  public Operand<TFloat32> lastMaskLogits() {
    return maskLogits.get(maskLogits.size() - 1);
  }
}
