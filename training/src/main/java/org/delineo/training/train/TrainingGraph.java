package org.delineo.training.train;

import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.eval.InferenceGraph;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.delineo.graph.Conv2dOps;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.Replica;
import org.delineo.graph.gradients.CustomGradients;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.training.optim.GlobalStep;
import org.delineo.training.optim.LearningRateSchedule;
import org.delineo.training.optim.Optimizer;
import org.delineo.training.strategy.FeedArray;
import org.delineo.training.strategy.StepBatch;
import org.delineo.training.strategy.StepInputs;
import org.delineo.training.strategy.TrainStep;
import org.delineo.training.strategy.Towers;
import org.delineo.training.strategy.TrainingStrategy;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.Tensor;
import org.tensorflow.op.Op;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The static graph of a training run: the step the strategy builds (TRAIN mode, dropout keyed by
 * the global step so resumed runs are exact) over the inputs it asked for, on one device or
 * replicated over data-parallel {@link Towers}, and an evaluation path (EVAL mode, one device) over
 * the same variables, both fed raw images normalised inside the graph.
 */
public final class TrainingGraph {
  private final Map<String, Placeholder<?>> inputs;
  private final TrainStep step;
  private final Operand<TFloat32> learningRate;
  private final InferenceGraph eval;

  private TrainingGraph(Map<String, Placeholder<?>> inputs, TrainStep step, Operand<TFloat32> learningRate,
      InferenceGraph eval) {
    this.inputs = Map.copyOf(inputs);
    this.step = step;
    this.learningRate = learningRate;
    this.eval = eval;
  }

  /**
   * Builds both paths in {@code graph}, the step on one device.
   *
   * @param spatialRank 2 for images, 3 for volumes
   * @param channels input channels (static; spatial sizes stay dynamic)
   */
  public static TrainingGraph build(Graph graph, long seed, SegmentationModel model,
      TrainingStrategy strategy, Optimizer optimizer, LearningRateSchedule schedule,
      InputNormalization normalization, int spatialRank, int channels) {
    return build(graph, seed, model, strategy, optimizer, schedule, normalization, spatialRank, channels,
        Towers.NONE);
  }

  /**
   * Builds both paths in {@code graph}, the step replicated over {@code towers}
   * ({@link TrainingStrategy#build(GraphContext, SegmentationModel, StepInputs, Optimizer, Towers)};
   * {@link Towers#NONE} builds the single-device step). The feeds are the same either way (the
   * whole batch), and so are the variables; the evaluation path runs on one device.
   *
   * @param spatialRank 2 for images, 3 for volumes
   * @param channels input channels (static; spatial sizes stay dynamic)
   */
  public static TrainingGraph build(Graph graph, long seed, SegmentationModel model,
      TrainingStrategy strategy, Optimizer optimizer, LearningRateSchedule schedule,
      InputNormalization normalization, int spatialRank, int channels, Towers towers) {
    return build(graph, seed, model, strategy, optimizer, schedule, normalization, spatialRank, channels, towers,
        null);
  }

  /**
   * Hook for data parallelism across worker processes: as {@link #build(Graph, long,
   * SegmentationModel, TrainingStrategy, Optimizer, LearningRateSchedule, InputNormalization, int,
   * int, Towers)}, with the TRAIN context carrying {@code worker}, this process's place among the
   * workers (synchronised batch norm then averages its statistics over the processes); null for a
   * single process. Towers, which carry replicas of their own, are built without it.
   */
  public static TrainingGraph build(Graph graph, long seed, SegmentationModel model,
      TrainingStrategy strategy, Optimizer optimizer, LearningRateSchedule schedule,
      InputNormalization normalization, int spatialRank, int channels, Towers towers, Replica worker) {
    return build(graph, seed, model, strategy, optimizer, schedule, normalization, spatialRank, channels, towers,
        worker, Conv2dOps.GENERIC);
  }

  /**
   * As {@link #build(Graph, long, SegmentationModel, TrainingStrategy, Optimizer,
   * LearningRateSchedule, InputNormalization, int, int, Towers, Replica)}, with both paths'
   * 2-D convolutions built as {@code conv2dOps} (what the runtime settings choose: {@code
   * TrainingConv2dOps}).
   */
  public static TrainingGraph build(Graph graph, long seed, SegmentationModel model,
      TrainingStrategy strategy, Optimizer optimizer, LearningRateSchedule schedule,
      InputNormalization normalization, int spatialRank, int channels, Towers towers, Replica worker,
      Conv2dOps conv2dOps) {
    CustomGradients.install();
    GraphContext root = GraphContext.create(graph, Mode.TRAIN, seed).withConv2dOps(conv2dOps);
    GlobalStep globalStep = GlobalStep.of(root);
    GraphContext train = root.withRandomStep(globalStep.value());
    if (worker != null && !towers.replicated()) {
      train = train.withReplica(worker);
    }
    StepInputs stepInputs = new StepInputs(root.tf(), normalization, spatialRank, channels,
        model.takesModalityMask(), globalStep.value());
    TrainStep step = strategy.build(train, model, stepInputs, optimizer, towers);
    InferenceGraph eval = InferenceGraph.build(root.withMode(Mode.EVAL), model, normalization,
        spatialRank, channels, "eval_image");
    return new TrainingGraph(stepInputs.placeholders(), step, schedule.build(root.tf(), globalStep.value()), eval);
  }

  /**
   * Hook for data parallelism across worker processes: this graph with its step replaced by
   * {@code replace}'s (the same runs, with e.g. the loss and scalars averaged over the workers).
   */
  public TrainingGraph withStep(UnaryOperator<TrainStep> replace) {
    return new TrainingGraph(inputs, replace.apply(step), learningRate, eval);
  }

  /** The step's placeholders by feed name. */
  public Map<String, Placeholder<?>> inputs() {
    return inputs;
  }

  public TrainStep step() {
    return step;
  }

  /** The EVAL-mode forward pass over the same variables. */
  public InferenceGraph eval() {
    return eval;
  }

  /** The scalars a step logs, by name (loss terms and the total). */
  public Map<String, Operand<TFloat32>> scalars() {
    return step.scalars();
  }

  /**
   * Runs one training iteration (every strategy run, each fed the whole batch) and returns
   * [loss, the named scalars..., learning rate] fetched with the last run.
   */
  public float[] run(Session session, StepBatch batch, List<String> names) {
    return run(session, batch, names, null, null);
  }

  /**
   * {@link #run(Session, StepBatch, List)} with a full per-op trace of every session run of the
   * iteration: each run's {@code RunMetadata} (step stats) is added to {@code traces}.
   */
  public float[] runTraced(Session session, StepBatch batch, List<RunMetadata> traces) {
    return runWithOptions(session, batch,
        RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.FULL_TRACE).build(), traces);
  }

  /**
   * {@link #run(Session, StepBatch, List)} with {@code options} on every session run of the
   * iteration (e.g. partition graphs or a trace), each run's {@code RunMetadata} added to
   * {@code metadata}; returns [loss, learning rate].
   */
  public float[] runWithOptions(Session session, StepBatch batch, RunOptions options,
      List<RunMetadata> metadata) {
    return run(session, batch, List.of(), options, metadata);
  }

  private float[] run(Session session, StepBatch batch, List<String> names, RunOptions options,
      List<RunMetadata> traces) {
    List<Tensor> tensors = new ArrayList<>();
    try {
      Map<Operand<?>, Tensor> feeds = new java.util.LinkedHashMap<>();
      for (Map.Entry<String, Placeholder<?>> in : inputs.entrySet()) {
        FeedArray value = batch.feeds().get(in.getKey());
        if (value == null) {
          throw new DelineoException("the training batch " + batch.ids() + " has no value for step input '"
              + in.getKey() + "' (it has " + batch.feeds().keySet() + ")");
        }
        Tensor t = value.toTensor();
        tensors.add(t);
        feeds.put(in.getValue(), t);
      }
      List<Op> runs = step.runs();
      float[] values = new float[names.size() + 2];
      for (int i = 0; i < runs.size(); i++) {
        Session.Runner runner = session.runner();
        feeds.forEach(runner::feed);
        runner.addTarget(runs.get(i));
        boolean last = i == runs.size() - 1;
        boolean bridged = i == 0 && step.bridge() != null;
        if (bridged) {
          step.bridge().fetches().forEach(runner::fetch);
        }
        if (last) {
          // The learning rate is read before the step increments the global step.
          runner.fetch(step.loss());
          for (String n : names) {
            runner.fetch(scalars().get(n));
          }
          runner.fetch(learningRate);
        }
        // Intermediate runs fetch only what a run bridge asks for.
        try (Result r = options == null ? runner.run() : runner.setOptions(options).runAndFetchMetadata()) {
          if (options != null) {
            r.getMetadata().ifPresent(traces::add);
          }
          if (bridged) {
            // The bridge's feeds join every later run of this iteration and are closed with the batch's.
            List<Tensor> fetched = new ArrayList<>();
            for (int k = 0; k < step.bridge().fetches().size(); k++) {
              fetched.add(r.get(k));
            }
            Map<Operand<?>, Tensor> extra = step.bridge().feeds(fetched);
            tensors.addAll(extra.values());
            feeds.putAll(extra);
          }
          if (last) {
            for (int k = 0; k < values.length; k++) {
              values[k] = ((TFloat32) r.get(k)).getFloat();
            }
          }
        }
      }
      return values;
    } finally {
      tensors.forEach(Tensor::close);
    }
  }
}
