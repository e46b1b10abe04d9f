package org.delineo.training.strategy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Tensors;
import org.delineo.graph.heads.Mask2FormerPredictions;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.graph.models.Mask2Former;
import org.delineo.losses.mask.ClassMaskTargets;
import org.delineo.losses.mask.ClassSlotMatcher;
import org.delineo.losses.mask.Mask2FormerCriterion;
import org.delineo.training.optim.Optimizer;
import org.tensorflow.Operand;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Stack;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Mask2Former's training: Hungarian matching of queries to the classes present, then the class,
 * mask BCE and Dice losses on all L = layers + 1 predictions ({@link Mask2FormerCriterion}), summed
 * as mmdet sums its {@code d<i>.loss_*} terms. Selected automatically for a Mask2Former model.
 *
 * <p>Graph mode cannot call a solver inside {@code Session.run}, so a step is two runs
 * ({@link RunBridge}): run 1 computes the forward pass and fetches the [N, L, Q, K] matching costs
 * (each stage on its own uniform points, keyed by (op seed, step) so a resumed run draws what an
 * uninterrupted one would) and the [N, K] present classes; Java solves each image and stage exactly
 * ({@link ClassSlotMatcher}); run 2 repeats the forward pass (identical: every random op is keyed by
 * the step), feeds the [N, L, Q] assignment to the losses and applies the optimizer update. The
 * price is one extra forward pass per step plus the solver time (docs/prove.md measures it).
 */
public final class Mask2FormerStrategy implements TrainingStrategy {
  /** The feed name of the assignment placeholder (not a batch input: the run bridge feeds it). */
  static final String ASSIGNMENT = "mask2former_assignment";

  private final int numPoints;
  private final int ignoreIndex;

  /**
   * @param numPoints points per image of the matching cost and per mask of the losses (mmdet 12 544)
   * @param ignoreIndex the label that gives no target
   */
  public Mask2FormerStrategy(int numPoints, int ignoreIndex) {
    this.numPoints = numPoints;
    this.ignoreIndex = ignoreIndex;
  }

  @Override
  public String name() {
    return "mask2former";
  }

  /**
   * Not available on its own: the loss needs the assignment that only the two-run step of
   * {@link #build} computes (so wrappers such as Meta-Drop cannot apply it).
   */
  @Override
  public Objective objective(GraphContext ctx, SegmentationModel model, StepInputs inputs) {
    throw new DelineoException("Mask2Former's loss needs its Hungarian matching between two session runs;"
        + " it trains only with its own step (strategy supervised or unset)");
  }

  @Override
  public TrainStep build(GraphContext ctx, SegmentationModel model, StepInputs inputs, Optimizer optimizer) {
    Ops tf = ctx.tf();
    Mask2FormerPredictions predictions =
        Mask2Former.predictions(model.apply(ctx, new ModelInputs(inputs.image(), inputs.modalityMask())));
    int stages = predictions.classLogits().size();
    int classes = model.numClasses();
    long queries = predictions.lastClassLogits().shape().get(1);
    Mask2FormerCriterion criterion = new Mask2FormerCriterion(classes, numPoints);
    ClassMaskTargets targets = ClassMaskTargets.of(tf, inputs.labels(), classes, ignoreIndex);
    List<Operand<TFloat32>> costs = new ArrayList<>();
    for (int l = 0; l < stages; l++) {
      costs.add(criterion.cost(tf, predictions.classLogits().get(l), predictions.maskLogits().get(l), targets,
          key(ctx, inputs, "mask2former.match." + l)));
    }
    Operand<TFloat32> cost = tf.stack(costs, Stack.axis(1L)); // [N, L, Q, K]
    Placeholder<TInt32> assignment = tf.withName(ASSIGNMENT)
        .placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, stages, queries)));

    List<Operand<TFloat32>> classTerms = new ArrayList<>();
    List<Operand<TFloat32>> maskTerms = new ArrayList<>();
    List<Operand<TFloat32>> diceTerms = new ArrayList<>();
    for (int l = 0; l < stages; l++) {
      Operand<TInt32> stage = tf.gather(assignment, tf.constant(l), tf.constant(1)); // [N, Q]
      Mask2FormerCriterion.Terms terms = criterion.loss(tf, predictions.classLogits().get(l),
          predictions.maskLogits().get(l), targets, stage, key(ctx, inputs, "mask2former.points." + l));
      classTerms.add(terms.classLoss());
      maskTerms.add(terms.maskLoss());
      diceTerms.add(terms.diceLoss());
    }
    Map<String, Operand<TFloat32>> scalars = new LinkedHashMap<>();
    scalars.put("loss_cls", tf.math.addN(classTerms));
    scalars.put("loss_mask", tf.math.addN(maskTerms));
    scalars.put("loss_dice", tf.math.addN(diceTerms));
    Operand<TFloat32> loss = tf.math.addN(new ArrayList<>(scalars.values()));
    scalars.put("loss", loss);

    Op update = optimizer.minimize(ctx, loss, ctx.variables().trainable());
    List<Op> step = new ArrayList<>(ctx.updateOps());
    step.add(update);
    Op train = tf.withControlDependencies(step).noOp();
    scalars.putAll(optimizer.scalars(ctx));
    // Run 1 needs no target: its fetches pull the forward pass and the costs.
    Op match = tf.noOp();
    return new TrainStep(List.of(match, train), loss, scalars,
        new Matching(cost, targets.present(), assignment, stages, (int) queries, classes));
  }

  /** (op seed of {@code name}, global step): a stateless key that differs per stage and per step. */
  private static Operand<TInt64> key(GraphContext ctx, StepInputs inputs, String name) {
    Ops tf = ctx.tf();
    return tf.stack(List.of(tf.constant(ctx.opSeed(name)), inputs.step()));
  }

  /** The run bridge: fetched costs → exact assignment per image and stage → the assignment feed. */
  private record Matching(Operand<TFloat32> cost, Operand<TBool> present, Placeholder<TInt32> assignment,
      int stages, int queries, int classes) implements RunBridge {

    @Override
    public List<Operand<?>> fetches() {
      return List.of(cost, present);
    }

    @Override
    public Map<Operand<?>, Tensor> feeds(List<Tensor> fetched) {
      TFloat32 c = (TFloat32) fetched.get(0);
      TBool p = (TBool) fetched.get(1);
      int images = (int) c.shape().get(0);
      float[] costs = Tensors.toFloats(c);
      boolean[] present = new boolean[Math.toIntExact(p.shape().size())];
      for (int i = 0; i < present.length; i++) {
        present[i] = p.getBoolean(i / classes, i % classes);
      }
      int[] assigned = ClassSlotMatcher.assign(costs, present, images, stages, queries, classes);
      TInt32 t = Tensors.ints(Shape.of(images, stages, queries), assigned);
      return Map.of(assignment, t);
    }
  }
}
