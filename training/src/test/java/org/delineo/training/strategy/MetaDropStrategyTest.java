package org.delineo.training.strategy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.Tensors;
import org.delineo.graph.VariableKind;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.MetaDropConfig;
import org.delineo.proto.ModalityMaskMode;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.data.pipeline.BatchLoader;
import org.delineo.training.data.pipeline.LoaderPosition;
import org.delineo.training.data.Sample;
import org.delineo.training.data.brats.ModalityMasks;
import org.delineo.training.data.brats.ModalitySplitCsv;
import org.delineo.training.optim.Adam;
import org.delineo.training.optim.ConstantSchedule;
import org.delineo.training.optim.LearningRateSchedule;
import org.delineo.training.optim.Optimizer;
import org.delineo.training.optim.Sgd;
import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.train.TrainingGraph;
import org.delineo.training.wiring.Experiment;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Meta-Drop on a 1×1 convolution (2 input channels, 3 classes) trained with pixel-mean cross
 * entropy, against a plain-Java formulation of the same model: its loss and closed-form gradient
 * dL/dW[c,k] = mean_p x[p,c]·(softmax[p,k] − onehot[p,k]), dL/db[k] = mean_p (softmax − onehot).
 * Tolerance 1e-5 absolute on every weight (float32 arithmetic on values of order 1).
 */
class MetaDropStrategyTest {
  private static final double TOL = 1e-5;
  private static final int C = 2;
  private static final int K = 3;
  private static final float LR_IN = 0.5f;
  private static final float[] W0 = {0.1f, -0.2f, 0.3f, 0.05f, 0.2f, -0.1f}; // [c][k]
  private static final float[] B0 = {0.01f, 0f, -0.02f};

  // Train batch [2,4,4,2] and meta batch [1,4,4,2] with fixed values.
  private static final float[] TRAIN_X = values(2 * 16 * C, 0.7);
  private static final int[] TRAIN_Y = labels(2 * 16, 1);
  private static final float[] META_X = values(16 * C, 2.3);
  private static final int[] META_Y = labels(16, 2);

  @Test
  void alphaOneWithoutMetaRateIsPlainTraining() {
    Outcome o = train(config(1f, 0f, MetaDropConfig.MetaUpdate.SGD), sgd(0f), new ConstantSchedule(0f), 1);
    Params expected = Params.initial().minus(LR_IN, Params.initial().gradient(TRAIN_X, TRAIN_Y));
    expected.assertEquals(o.params, "alpha 1, eta_meta 0 = one inner SGD step");
  }

  @Test
  void explicitZeroMetaRateNeedsNoScheduleAndKeepsTilde() {
    // meta_lr: 0 set in the config is η_meta = 0, not "use the schedule": with α = 1 the meta step
    // leaves φ̃, and no schedule is needed (null here; unset meta_lr without one is rejected).
    MetaDropConfig config = ExperimentConfigLoader.parse(
        "model { unet {} } strategy { meta_drop { alpha: 1 meta_lr: 0 meta_update: SGD supervised {} } }", "test")
        .getStrategy().getMetaDrop();
    assertTrue(config.hasMetaLr());
    Outcome o = train(config, sgd(0f), null, 1);
    Params expected = Params.initial().minus(LR_IN, Params.initial().gradient(TRAIN_X, TRAIN_Y));
    expected.assertEquals(o.params, "alpha 1, meta_lr 0 = one inner SGD step");
  }

  @Test
  void unsetMetaRateUsesTheScheduledRate() {
    float eta = 0.3f;
    MetaDropConfig config = MetaDropConfig.newBuilder().setAlpha(0f).setMetaUpdate(MetaDropConfig.MetaUpdate.SGD)
        .build();
    Outcome o = train(config, sgd(0f), new ConstantSchedule(eta), 1);
    Params phi0 = Params.initial();
    Params tilde = phi0.minus(LR_IN, phi0.gradient(TRAIN_X, TRAIN_Y));
    phi0.minus(eta, tilde.gradient(META_X, META_Y)).assertEquals(o.params, "phi0 - scheduled rate * grad");
    DelineoException e = assertThrows(DelineoException.class, () -> strategy(config, null));
    assertTrue(e.getMessage().contains("meta_lr"), e.getMessage());
  }

  @Test
  void alphaZeroSgdIsPhi0MinusMetaGradientAtTilde() {
    float eta = 0.3f;
    Outcome o = train(config(0f, eta, MetaDropConfig.MetaUpdate.SGD), sgd(0f), null, 1);
    Params phi0 = Params.initial();
    Params tilde = phi0.minus(LR_IN, phi0.gradient(TRAIN_X, TRAIN_Y));
    phi0.minus(eta, tilde.gradient(META_X, META_Y)).assertEquals(o.params, "phi0 - eta * grad L_meta(tilde)");
    tilde.assertEquals(o.tilde, "snapshot tilde");
    phi0.assertEquals(o.phi0, "snapshot phi0");
    assertEquals(phi0.loss(TRAIN_X, TRAIN_Y), o.loss, TOL, "logged inner loss at phi0");
    assertEquals(tilde.loss(META_X, META_Y), o.metaLoss, TOL, "meta/loss at tilde");
  }

  @Test
  void generalAlphaMatchesTheFormulaOverTwoIterationsAndAdvancesTheStepOnce() {
    float alpha = 0.3f;
    float eta = 0.2f;
    Outcome o = train(config(alpha, eta, MetaDropConfig.MetaUpdate.SGD), sgd(0f), null, 2);
    Params phi = Params.initial();
    for (int it = 0; it < 2; it++) {
      Params tilde = phi.minus(LR_IN, phi.gradient(TRAIN_X, TRAIN_Y));
      phi = phi.mix(alpha, tilde).minus(eta, tilde.gradient(META_X, META_Y));
    }
    phi.assertEquals(o.params, "(1-a) phi0 + a tilde - eta g, twice");
    assertEquals(List.of(1L, 2L), o.steps, "the global step advances once per iteration");
  }

  @Test
  void optimizerUpdateWithAlphaZeroIsPhi0PlusOneMomentumStepFromTilde() {
    float mu = 0.9f;
    Outcome o = train(config(0f, 0f, MetaDropConfig.MetaUpdate.OPTIMIZER), sgd(mu), null, 1);
    // Shared momentum buffer: the inner step leaves buf = g1, the meta step buf = mu g1 + g2.
    Params phi0 = Params.initial();
    Params g1 = phi0.gradient(TRAIN_X, TRAIN_Y);
    Params tilde = phi0.minus(LR_IN, g1);
    Params g2 = tilde.gradient(META_X, META_Y);
    phi0.minus(LR_IN, g1.scaled(mu).minus(-1f, g2)).assertEquals(o.params, "phi0 - lr (mu g1 + g2)");
    assertEquals(List.of(1L), o.steps, "one step per iteration");
  }

  @Test
  void optimizerUpdateWithAdamSharesTheMomentsAndTheStep() {
    // Both updates of an iteration run at t = global step + 1 = 1 (the step advances once, after
    // the meta update); the meta step continues the inner step's moments.
    float lr = 0.05f;
    float b1 = 0.9f;
    float b2 = 0.999f;
    float eps = 1e-8f;
    Outcome o = train(config(0f, 0f, MetaDropConfig.MetaUpdate.OPTIMIZER),
        new Adam(new ConstantSchedule(lr), b1, b2, eps, 0f, false, false, null, null), null, 1);
    Params phi0 = Params.initial();
    Params g1 = phi0.gradient(TRAIN_X, TRAIN_Y);
    Params m1 = g1.scaled(1 - b1);
    Params v1 = g1.squared().scaled(1 - b2);
    Params tilde = phi0.minus(1f, Params.adamStep(lr, b1, b2, eps, m1, v1));
    Params g2 = tilde.gradient(META_X, META_Y);
    Params m2 = m1.scaled(b1).minus(-1f, g2.scaled(1 - b1));
    Params v2 = v1.scaled(b2).minus(-1f, g2.squared().scaled(1 - b2));
    phi0.minus(1f, Params.adamStep(lr, b1, b2, eps, m2, v2)).assertEquals(o.params, "phi0 + Adam step (m2, v2)");
    tilde.assertEquals(o.tilde, "tilde = one Adam step from phi0");
  }

  @Test
  void statisticsFollowTheInnerBatchOnly() {
    try (Graph g = new Graph()) {
      TrainingGraph tg = TrainingGraph.build(g, 1L, new TinyConv(), strategy(config(0.5f, 0.1f,
          MetaDropConfig.MetaUpdate.SGD), null), sgd(0f), new ConstantSchedule(LR_IN), noNorm(), 2, C);
      try (Session s = new Session(g)) {
        s.initialize();
        tg.run(s, batch(), List.of());
        try (Result r = s.runner().fetch("head.running_mean_read").run()) {
          double trainMean = 0;
          for (int i = 0; i < TRAIN_X.length; i += C) {
            trainMean += TRAIN_X[i];
          }
          trainMean /= TRAIN_X.length / C;
          assertEquals(trainMean, Tensors.toFloats(r, 0)[0], TOL, "the statistic of the train batch, not the meta batch");
        }
      }
    }
  }

  @Test
  void runsAreTwoSessionRunsAndLogMetaLoss() {
    try (Graph g = new Graph()) {
      TrainingGraph tg = TrainingGraph.build(g, 1L, new TinyConv(), strategy(config(0.5f, 0.1f,
          MetaDropConfig.MetaUpdate.SGD), null), sgd(0f), new ConstantSchedule(LR_IN), noNorm(), 2, C);
      assertEquals(2, tg.step().runs().size(), "run 1 inner + snapshots, run 2 meta step");
      assertTrue(tg.scalars().containsKey(MetaDropStrategy.META_LOSS), tg.scalars().keySet().toString());
      assertTrue(tg.inputs().keySet().containsAll(List.of("image", "labels", "meta_image", "meta_labels")),
          tg.inputs().keySet().toString());
    }
  }

  @Test
  void metaBatchesCarryTheMetaMasks() {
    List<String> ids = List.of("a", "b", "c", "d");
    ModalitySplitCsv split = ModalitySplitCsv.of("test.csv", Map.of("a", 14, "b", 3, "c", 14, "d", 0));
    // FULL: only the cases whose CSV mask is all four modalities (index 14), every mask all-on.
    List<String> full = MetaDropBatches.metaIds(ids, ModalityMaskMode.FULL, split);
    assertEquals(List.of("a", "c"), full);
    assertEquals(ids, MetaDropBatches.metaIds(ids, ModalityMaskMode.FULL, null), "no CSV: every case");
    assertEquals(ids, MetaDropBatches.metaIds(ids, ModalityMaskMode.UTD, split));
    ModalityMaskSource fullMasks = MetaDropBatches.metaMasks(ModalityMaskMode.FULL, 5L, split, 4);
    ModalityMaskSource utd = MetaDropBatches.metaMasks(ModalityMaskMode.UTD, 5L, split, 4);
    assertArrayEquals(ModalityMasks.mask(3), utd.maskFor("b", 7), "UTD keeps the CSV mask");

    ModalityMaskSource mainMasks = (id, draw) -> new boolean[] {true, false, false, false};
    MetaDropBatches source = new MetaDropBatches(
        new SupervisedBatches(loader(ids, 2), mainMasks, ""),
        new SupervisedBatches(loader(full, 1), fullMasks, MetaDropStrategy.META_PREFIX));
    try (source) {
      for (int i = 0; i < 3; i++) {
        StepBatch b = source.next();
        assertEquals(List.of("image", "labels", "modality_mask", "meta_image", "meta_labels", "meta_modality_mask")
            .stream().sorted().toList(), b.feeds().keySet().stream().sorted().toList());
        FeedArray metaMask = b.feeds().get("meta_modality_mask");
        assertArrayEquals(new long[] {1, 4}, metaMask.shape());
        assertArrayEquals(new boolean[] {true, true, true, true}, metaMask.bools(), "FULL: all-on");
        assertArrayEquals(new long[] {2, 4}, b.feeds().get("modality_mask").shape());
        assertEquals(false, b.feeds().get("modality_mask").bools()[1], "main masks stay the main source's");
        float first = b.feeds().get("meta_image").floats()[0];
        assertTrue(first == caseValue("a") || first == caseValue("c"), "meta image from a FULL case: " + first);
      }
    }
  }

  @Test
  void metaPositionFollowsTheIterationCount() {
    // 5 main batches per epoch, 3 meta batches per epoch: main (2, 1) is iteration 11 = meta (3, 2).
    assertEquals(new LoaderPosition(3, 2), MetaDropBatches.metaPosition(new LoaderPosition(2, 1), 5, 3));
    assertEquals(new LoaderPosition(0, 0), MetaDropBatches.metaPosition(new LoaderPosition(0, 0), 5, 3));
  }

  @Test
  void experimentBuildsMetaDropAndTheAblationRemovesIt() {
    ExperimentConfig config = ExperimentConfigLoader.parse(
        "model { unet {} } strategy { meta_drop { alpha: 0.5 supervised {} } }", "test");
    TrainingStrategy s = Experiment.create(config, List.of()).strategy();
    MetaDropStrategy md = assertInstanceOf(MetaDropStrategy.class, s);
    assertEquals("supervised", md.inner().name());
    assertEquals(0.5f, md.config().getAlpha());
    assertEquals("supervised", Experiment.create(config, List.of("no-meta-drop")).strategy().name());
    // An unset inner strategy means PRISM, as the reference.
    ExperimentConfig unsetInner = ExperimentConfigLoader.parse("model { unet {} } strategy { meta_drop {} }", "test");
    assertEquals("prism", assertInstanceOf(MetaDropStrategy.class,
        Experiment.create(unsetInner, List.of()).strategy()).inner().name());
  }

  // ---- the graph under test ----

  private record Outcome(Params params, Params phi0, Params tilde, List<Long> steps, float loss, float metaLoss) {}

  private static Outcome train(MetaDropConfig config, Optimizer optimizer, LearningRateSchedule metaSchedule,
      int iterations) {
    try (Graph g = new Graph()) {
      TrainingGraph tg = TrainingGraph.build(g, 1L, new TinyConv(), strategy(config, metaSchedule), optimizer,
          new ConstantSchedule(LR_IN), noNorm(), 2, C);
      StepBatch batch = batch();
      try (Session s = new Session(g)) {
        s.initialize();
        List<Long> steps = new ArrayList<>();
        float[] values = null;
        for (int i = 0; i < iterations; i++) {
          values = tg.run(s, batch, List.of(MetaDropStrategy.META_LOSS));
          try (Result r = s.runner().fetch("global_step_read").run()) {
            steps.add(Tensors.toLongs(r.get(0))[0]);
          }
        }
        return new Outcome(read(s, ""), read(s, ".meta_phi0"), read(s, ".meta_tilde"), steps, values[0], values[1]);
      }
    }
  }

  private static StepBatch batch() {
    return new StepBatch(List.of("t0", "t1"), Map.of(
        "image", FeedArray.of(TRAIN_X, 2, 4, 4, C), "labels", FeedArray.of(TRAIN_Y, 2, 4, 4),
        "meta_image", FeedArray.of(META_X, 1, 4, 4, C), "meta_labels", FeedArray.of(META_Y, 1, 4, 4)));
  }

  private static Params read(Session s, String suffix) {
    try (Result r = s.runner().fetch("head.weight" + suffix + "_read").fetch("head.bias" + suffix + "_read").run()) {
      return new Params(Tensors.toFloats(r, 0), Tensors.toFloats(r, 1));
    }
  }

  private static MetaDropStrategy strategy(MetaDropConfig config, LearningRateSchedule metaSchedule) {
    return new MetaDropStrategy(new CeStrategy(), config, metaSchedule);
  }

  private static MetaDropConfig config(float alpha, float metaLr, MetaDropConfig.MetaUpdate update) {
    return MetaDropConfig.newBuilder().setAlpha(alpha).setMetaLr(metaLr).setMetaUpdate(update).build();
  }

  private static Optimizer sgd(float momentum) {
    return new Sgd(new ConstantSchedule(LR_IN), momentum, false, 0f, null, null);
  }

  private static InputNormalization noNorm() {
    return new InputNormalization(new float[0], new float[0]);
  }

  /** One 1×1 convolution {@code head} from 2 channels to 3 classes, with fixed initial weights. */
  private static final class TinyConv implements SegmentationModel {
    @Override
    public String name() {
      return "tiny";
    }

    @Override
    public int numClasses() {
      return K;
    }

    @Override
    public ModelOutputs apply(GraphContext ctx, ModelInputs inputs) {
      Ops tf = ctx.tf();
      Operand<TFloat32> w = ctx.variables().variable("head.weight", Shape.of(1, 1, C, K),
          (init, shape, seed) -> init.constant(new float[][][][] {{{
              {W0[0], W0[1], W0[2]}, {W0[3], W0[4], W0[5]}}}}), VariableKind.WEIGHT);
      Operand<TFloat32> b = ctx.variables().variable("head.bias", Shape.of(K),
          (init, shape, seed) -> init.constant(B0), VariableKind.BIAS);
      // A batch-norm-like statistic: the last TRAIN-mode batch mean of channel 0, written by an update op.
      ModelVariable<TFloat32> stat = ctx.variables().getOrCreate("head.running_mean", Shape.scalar(), TFloat32.class,
          VariableKind.STATE, init -> init.constant(0f));
      Operand<TFloat32> channel0 = tf.slice(inputs.image(), tf.constant(new int[] {0, 0, 0, 0}),
          tf.constant(new int[] {-1, -1, -1, 1}));
      ctx.addUpdateOp(tf.assign(stat.ref(), tf.math.mean(channel0, tf.constant(new int[] {0, 1, 2, 3}))));
      Operand<TFloat32> conv = tf.nn.conv2d(inputs.image(), w, List.of(1L, 1L, 1L, 1L), "VALID");
      return ModelOutputs.of(tf.math.add(conv, b));
    }
  }

  /** Pixel-mean cross entropy of the model's logits. */
  private static final class CeStrategy implements TrainingStrategy {
    @Override
    public String name() {
      return "ce";
    }

    @Override
    public Objective objective(GraphContext ctx, SegmentationModel model, StepInputs inputs) {
      Ops tf = ctx.tf();
      // Pixels as rows [P, K]: TF's C++ LogSoftmax gradient sums over axis 1, right only for rank 2.
      Operand<TFloat32> logits = tf.reshape(model.apply(ctx, ModelInputs.of(inputs.image())).logits(),
          tf.constant(new int[] {-1, K}));
      Operand<TFloat32> onehot = tf.oneHot(tf.reshape(inputs.labels(), tf.constant(new int[] {-1})), tf.constant(K),
          tf.constant(1f), tf.constant(0f));
      Operand<TFloat32> picked = tf.reduceSum(tf.math.mul(onehot, tf.nn.logSoftmax(logits)), tf.constant(-1));
      Operand<TFloat32> loss = tf.math.neg(tf.math.mean(picked, tf.constant(0)));
      return new Objective(loss, Map.of("loss", loss));
    }
  }

  // ---- the independent plain-Java formulation ----

  /** W [c][k] flattened (6) and b (3). */
  private record Params(float[] w, float[] b) {
    static Params initial() {
      return new Params(W0.clone(), B0.clone());
    }

    Params minus(float rate, Params g) {
      float[] w2 = new float[w.length];
      float[] b2 = new float[b.length];
      for (int i = 0; i < w.length; i++) {
        w2[i] = w[i] - rate * g.w[i];
      }
      for (int i = 0; i < b.length; i++) {
        b2[i] = b[i] - rate * g.b[i];
      }
      return new Params(w2, b2);
    }

    Params scaled(float s) {
      float[] w2 = w.clone();
      float[] b2 = b.clone();
      for (int i = 0; i < w2.length; i++) {
        w2[i] *= s;
      }
      for (int i = 0; i < b2.length; i++) {
        b2[i] *= s;
      }
      return new Params(w2, b2);
    }

    Params squared() {
      float[] w2 = w.clone();
      float[] b2 = b.clone();
      for (int i = 0; i < w2.length; i++) {
        w2[i] *= w2[i];
      }
      for (int i = 0; i < b2.length; i++) {
        b2[i] *= b2[i];
      }
      return new Params(w2, b2);
    }

    /** The Adam displacement (to subtract) at t = 1: lr/(1−β1)·m / (√v/√(1−β2) + eps). */
    static Params adamStep(float lr, float b1, float b2, float eps, Params m, Params v) {
      float[] w2 = new float[m.w.length];
      float[] b2s = new float[m.b.length];
      for (int i = 0; i < w2.length; i++) {
        w2[i] = (float) (lr / (1 - b1) * m.w[i] / (Math.sqrt(v.w[i]) / Math.sqrt(1 - b2) + eps));
      }
      for (int i = 0; i < b2s.length; i++) {
        b2s[i] = (float) (lr / (1 - b1) * m.b[i] / (Math.sqrt(v.b[i]) / Math.sqrt(1 - b2) + eps));
      }
      return new Params(w2, b2s);
    }

    /** (1 − a)·this + a·other. */
    Params mix(float a, Params other) {
      return scaled(1f - a).minus(-1f, other.scaled(a));
    }

    private double[][] softmax(float[] x, int pixels) {
      double[][] s = new double[pixels][K];
      for (int p = 0; p < pixels; p++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < K; k++) {
          double z = b[k];
          for (int c = 0; c < C; c++) {
            z += x[p * C + c] * w[c * K + k];
          }
          s[p][k] = z;
          max = Math.max(max, z);
        }
        double sum = 0;
        for (int k = 0; k < K; k++) {
          s[p][k] = Math.exp(s[p][k] - max);
          sum += s[p][k];
        }
        for (int k = 0; k < K; k++) {
          s[p][k] /= sum;
        }
      }
      return s;
    }

    float loss(float[] x, int[] y) {
      double[][] s = softmax(x, y.length);
      double total = 0;
      for (int p = 0; p < y.length; p++) {
        total -= Math.log(s[p][y[p]]);
      }
      return (float) (total / y.length);
    }

    Params gradient(float[] x, int[] y) {
      int pixels = y.length;
      double[][] s = softmax(x, pixels);
      float[] gw = new float[C * K];
      float[] gb = new float[K];
      for (int k = 0; k < K; k++) {
        double db = 0;
        double[] dw = new double[C];
        for (int p = 0; p < pixels; p++) {
          double e = s[p][k] - (y[p] == k ? 1 : 0);
          db += e;
          for (int c = 0; c < C; c++) {
            dw[c] += x[p * C + c] * e;
          }
        }
        gb[k] = (float) (db / pixels);
        for (int c = 0; c < C; c++) {
          gw[c * K + k] = (float) (dw[c] / pixels);
        }
      }
      return new Params(gw, gb);
    }

    void assertEquals(Params actual, String what) {
      for (int i = 0; i < w.length; i++) {
        org.junit.jupiter.api.Assertions.assertEquals(w[i], actual.w[i], TOL, what + ": weight " + i
            + " expected " + Arrays.toString(w) + " found " + Arrays.toString(actual.w));
      }
      for (int i = 0; i < b.length; i++) {
        org.junit.jupiter.api.Assertions.assertEquals(b[i], actual.b[i], TOL, what + ": bias " + i
            + " expected " + Arrays.toString(b) + " found " + Arrays.toString(actual.b));
      }
    }
  }

  private static float[] values(int n, double phase) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) Math.sin(phase + 1.3 * i);
    }
    return v;
  }

  private static int[] labels(int n, int offset) {
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = (i * 7 + offset) % K;
    }
    return y;
  }

  // ---- a tiny in-memory dataset for the batch source ----

  private static float caseValue(String id) {
    return id.charAt(0) - 'a' + 1;
  }

  private static BatchLoader loader(List<String> ids, int batchSize) {
    return BatchLoader.builder(ids, id -> {
      float[] image = new float[2 * 2 * 4];
      Arrays.fill(image, caseValue(id));
      return new Sample(id, image, new int[] {2, 2, 4}, new int[4], new int[] {2, 2}, new double[] {1, 1});
    }).batchSize(batchSize).workers(1).prefetch(1).seed(3L).build();
  }
}
