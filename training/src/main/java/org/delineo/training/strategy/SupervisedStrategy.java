package org.delineo.training.strategy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.delineo.graph.GraphContext;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.losses.HeadLosses;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Plain supervised training: the weighted head losses (decode head and auxiliary heads) on the
 * labelled batch.
 */
public final class SupervisedStrategy implements TrainingStrategy {
  private final Function<Set<String>, HeadLosses> losses;

  /** @param losses the head losses for a model with the given heads */
  public SupervisedStrategy(Function<Set<String>, HeadLosses> losses) {
    this.losses = losses;
  }

  @Override
  public String name() {
    return "supervised";
  }

  @Override
  public Objective objective(GraphContext ctx, SegmentationModel model, StepInputs inputs) {
    ModelOutputs outputs = model.apply(ctx, new ModelInputs(inputs.image(), inputs.modalityMask()));
    Map<String, Operand<TFloat32>> heads = new LinkedHashMap<>();
    heads.put("decode", outputs.logits());
    heads.putAll(outputs.auxLogits());
    Map<String, Operand<TFloat32>> values =
        losses.apply(heads.keySet()).build(ctx.tf(), heads, inputs.labels(), inputs.step());
    return new Objective(values.get("loss"), values);
  }
}
