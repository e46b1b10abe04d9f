package org.delineo.training.train;

import java.util.List;
import java.util.Map;
import org.delineo.graph.Tensors;
import org.delineo.training.data.Batch;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Op;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.gradients.CustomGradients;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.training.optim.GlobalStep;
import org.delineo.training.optim.LearningRateSchedule;
import org.delineo.training.optim.Optimizer;
import org.delineo.training.strategy.StepInputs;
import org.delineo.training.strategy.TrainStep;
import org.delineo.training.strategy.TrainingStrategy;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * The static graph of a training run: the step the strategy builds (TRAIN mode, dropout keyed by
 * the global step so resumed runs are exact) and an evaluation path (EVAL mode) over the same
 * variables, both fed raw images normalised inside the graph.
 */
public final class TrainingGraph {
  private final Placeholder<TFloat32> image;
  private final Placeholder<TInt32> labels;
  private final TrainStep step;
  private final Operand<TFloat32> learningRate;
  private final Operand<TInt64> globalStep;
  private final InferenceGraph eval;

  private TrainingGraph(Placeholder<TFloat32> image, Placeholder<TInt32> labels, TrainStep step,
      Operand<TFloat32> learningRate, Operand<TInt64> globalStep, InferenceGraph eval) {
    this.image = image;
    this.labels = labels;
    this.step = step;
    this.learningRate = learningRate;
    this.globalStep = globalStep;
    this.eval = eval;
  }

  /**
   * Builds both paths in {@code graph}.
   *
   * @param spatialRank 2 for images, 3 for volumes
   * @param channels input channels (static; spatial sizes stay dynamic)
   */
  public static TrainingGraph build(Graph graph, long seed, SegmentationModel model,
      TrainingStrategy strategy, Optimizer optimizer, LearningRateSchedule schedule,
      InputNormalization normalization, int spatialRank, int channels) {
    CustomGradients.install();
    GraphContext root = GraphContext.create(graph, Mode.TRAIN, seed);
    Ops tf = root.tf();
    Placeholder<TFloat32> image = tf.withName("image").placeholder(TFloat32.class,
        Placeholder.shape(InferenceGraph.unknownSpatial(spatialRank, channels)));
    Placeholder<TInt32> labels = tf.withName("labels").placeholder(TInt32.class,
        Placeholder.shape(InferenceGraph.unknownSpatial(spatialRank, -1).take(spatialRank + 1)));
    GlobalStep globalStep = GlobalStep.of(root);
    GraphContext train = root.withRandomStep(globalStep.value());
    TrainStep step = strategy.build(train, model, new StepInputs(normalization.apply(tf, image), labels, null, globalStep.value()),
        optimizer);

    InferenceGraph eval = InferenceGraph.build(root.withMode(Mode.EVAL), model, normalization,
        spatialRank, channels, "eval_image");
    return new TrainingGraph(image, labels, step, schedule.build(tf, globalStep.value()),
        globalStep.value(), eval);
  }


  public Placeholder<TFloat32> image() {
    return image;
  }

  public Placeholder<TInt32> labels() {
    return labels;
  }

  public TrainStep step() {
    return step;
  }

  /** The learning rate of the coming step. */
  public Operand<TFloat32> learningRate() {
    return learningRate;
  }

  public Operand<TInt64> globalStep() {
    return globalStep;
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
   * Runs one training iteration (every strategy run, feeding the batch to each) and returns
   * [loss, the named scalars..., learning rate] fetched with the last run.
   */
  public float[] run(Session session, Batch batch, List<String> names) {
    TrainingGraph g = this;
    List<Op> runs = g.step().runs();
    try (TFloat32 image = Tensors.floats(Shape.of(toLong(batch.imageShape())), batch.images());
        TInt32 labels = Tensors.ints(Shape.of(toLong(batch.labelShape())), batch.labels())) {
      float[] values = new float[names.size() + 2];
      for (int i = 0; i < runs.size(); i++) {
        Session.Runner runner = session.runner().feed(g.image(), image).feed(g.labels(), labels);
        if (i < runs.size() - 1) {
          runner.addTarget(runs.get(i));
          try (Result r = runner.run()) {
            // Intermediate runs of bi-level strategies fetch nothing.
          }
          continue;
        }
        // The learning rate is read before the step increments the global step.
        runner.fetch(g.step().loss());
        for (String n : names) {
          runner.fetch(g.scalars().get(n));
        }
        runner.fetch(g.learningRate());
        runner.addTarget(runs.get(i));
        try (Result r = runner.run()) {
          for (int k = 0; k < values.length; k++) {
            values[k] = ((TFloat32) r.get(k)).getFloat();
          }
        }
      }
      return values;
    }
  }

  private static long[] toLong(int[] shape) {
    long[] out = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      out[i] = shape[i];
    }
    return out;
  }
}
