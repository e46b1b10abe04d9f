package org.delineo.training.strategy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.delineo.graph.GraphContext;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.losses.HeadLosses;
import org.delineo.training.optim.Optimizer;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.types.TFloat32;

/**
 * Plain supervised training: the weighted head losses on the labelled batch, one optimizer update
 * of every trainable variable, and the batch-norm statistic updates, in one {@code Session.run}.
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
  public TrainStep build(GraphContext ctx, SegmentationModel model, StepInputs inputs, Optimizer optimizer) {
    ModelOutputs outputs = model.apply(ctx, new ModelInputs(inputs.image(), inputs.modalityMask()));
    Map<String, Operand<TFloat32>> heads = new LinkedHashMap<>();
    heads.put("decode", outputs.logits());
    heads.putAll(outputs.auxLogits());
    Map<String, Operand<TFloat32>> values =
        losses.apply(heads.keySet()).build(ctx.tf(), heads, inputs.labels(), inputs.step());
    Operand<TFloat32> loss = values.get("loss");
    Op update = optimizer.minimize(ctx, loss, ctx.variables().trainable());
    List<Op> step = new ArrayList<>(ctx.updateOps());
    step.add(update);
    Op all = ctx.tf().withControlDependencies(step).noOp();
    return new TrainStep(List.of(all), loss, values);
  }
}
