package org.delineo.graph.models.rfnet;

import java.util.List;
import java.util.Map;
import org.delineo.graph.model.ModelOutputs;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * The teacher and the M single-modality students of PRISM / PASSION self-distillation, produced by
 * ONE application of the fusion decoder on a batch of (1 + M)·N ({@link PrismRfNet#applyWithStudents}).
 *
 * <p>Batched layout: rows [j·N, (j + 1)·N) of every batched tensor belong to block j; block 0 is the
 * teacher (each sample's own mask), block 1 + m the student of modality m (mask e_m = one-hot m on
 * top of the sample's zeroing, so its effective mask is sample ∧ e_m: a student whose modality is
 * missing in the sample sees only zeros, and its loss terms must be weighted by availability).
 *
 * @param teacher fused logits, PRM logits and features under the samples' masks, plus the uni-modal
 *     {@code sep_<modality>} logits as auxLogits
 * @param students one output per modality, in modality order (logits, deepSupervision, features;
 *     no auxLogits)
 * @param batched the same tensors before splitting, [(1 + M)·N, ...] in the layout above, for losses
 *     that prefer to work on all blocks at once
 * @param batchedMask the float masks [(1 + M)·N, M] the fusion decoder was applied with
 */
public record DistillationOutputs(
    ModelOutputs teacher, List<ModelOutputs> students, ModelOutputs batched,
    Operand<TFloat32> batchedMask) {

  public DistillationOutputs {
    students = List.copyOf(students);
  }

  /** The uni-modal (Decoder_sep) logits by auxLogits key {@code sep_<modality>}. */
  public Map<String, Operand<TFloat32>> sepLogits() {
    return teacher.auxLogits();
  }
}
