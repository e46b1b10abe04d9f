package org.delineo.training.strategy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.layers.ChannelDropout;
import org.delineo.graph.layers.Resize;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.graph.models.semsim.SemSimUNet;
import org.delineo.losses.CrossEntropyLoss;
import org.delineo.losses.DiceLoss;
import org.delineo.losses.semsim.SemSimLosses;
import org.delineo.losses.semsim.SemSimSettings;
import org.delineo.training.data.pipeline.LoaderPosition;
import org.delineo.training.config.ConfigException;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * SemSim semi-supervised training (reference-methods.md §5.2–5.4), the objective
 * L = ½(λ_s·L_s + λ_u·L_u + λ_intra·L_intra + λ_cross·L_cross + λ_fp·L_fp) of {@link SemSimLosses},
 * by default ½(L_s + 0.5·L_u + 0.25·L_intra + 0.25·L_cross + 0.5·L_fp), on the inputs
 * {@link SemSimBatches} feeds.
 *
 * <p><b>Feature perturbation</b> (SemSim §IV-B: channel dropout p = 0.5; done as UniMatch's
 * {@code need_fp}). The decoder also runs on the encoder maps of the weak view u_w after channel
 * dropout (Dropout2d, rate {@code fp_dropout}, every scale; module names {@code semsim_fp.i}), and
 * L_fp is the confidence-masked Dice of that prediction against the weak pseudo-labels of u_w (not
 * CutMix-pasted, as in UniMatch), weight λ_fp = 0.5 (UniMatch's weight of loss_fp). This is the only
 * place the perturbation is built. It is on unless {@code lambda_fp} is 0 or the
 * {@code fixmatch-only} ablation switches it off.
 *
 * <p><b>Forward passes and batch norm.</b> One TRAIN pass of the encoder, the fusion module and
 * the decoder runs on the concatenation [labeled x, weak u_w, strong s1, strong s2] (s2 only when
 * L_cross is on, the fusion module only when L_intra or L_cross is on; with feature perturbation the
 * decoder also gets the channel-dropped encoder maps of u_w appended, UniMatch's {@code need_fp}),
 * so batch-norm statistics are those of the whole step
 * and every batch-norm moving average is updated once per step. UniMatch runs two TRAIN passes,
 * (x, u_w) and (s1, s2), so its batch statistics are per pair; pooling them is the one deviation,
 * taken so that the moving averages get one consistent update per step. The weak view is in the
 * TRAIN pass as in UniMatch (batch statistics, encoder dropout active) but its outputs pass through
 * {@code stopGradient}: it is a target only. The mix batch's weak view is predicted in a separate
 * EVAL-mode pass (moving statistics, no dropout, no updates), as UniMatch predicts it with
 * {@code model.eval()} under {@code no_grad}; its outputs are stopped too.
 *
 * <p><b>CutMix targets.</b> The strong images arrive already pasted (the mix batch's strong view
 * inside each box). The weak target of strong view k is the weak probabilities of u_w with those of
 * the mix weak view pasted inside box k: with hard pseudo-labels this is exactly UniMatch's pasting
 * of pseudo-label and confidence. For L_intra the weak features f̃ are pasted the same way (the box
 * brought to the feature resolution by nearest neighbour) and the refinement p^w_1 is computed on
 * the pasted weak probabilities and features, i.e. on the weak counterpart of the mixed image whose
 * strong affinity the student uses.
 *
 * <p><b>Which view feeds which term</b> (the paper's best setting, Table VI): L_u and L_intra on
 * strong view 1, L_cross on strong view 2 against the labeled batch's features and labels. L_s =
 * ½(CE + Dice) on the labeled logits (UniMatch's Dice: class-averaged, background included).
 * Scalars: {@code loss}, {@code loss_s}, {@code loss_u}, and {@code loss_intra}, {@code loss_cross},
 * {@code loss_fp} when those terms are on; with L_intra also {@code intra_kept}, the fraction of
 * feature positions whose weak confidence clears τ (the positions L_intra trains on).
 *
 * <p>Static shapes: the affinity and prototype terms need static feature sizes, so the inputs are
 * pinned to [B, H, W, C] with the configured batch sizes and training size ({@code EnsureShape}
 * fails a step fed anything else).
 */
public final class SemSimStrategy implements TrainingStrategy {
  /** Feed name of the unlabeled weak view. */
  public static final String U_WEAK = "u_weak";
  /** Feed name of the mix batch's weak view. */
  public static final String U_MIX_WEAK = "u_mix_weak";
  /** Feed name of strong view 1 (mix pasted inside box 1). */
  public static final String U_STRONG1 = "u_strong1";
  /** Feed name of strong view 2 (mix pasted inside box 2). */
  public static final String U_STRONG2 = "u_strong2";
  /** Feed name of CutMix box 1, [B_u, H, W]. */
  public static final String CUTMIX_BOX1 = "cutmix_box1";
  /** Feed name of CutMix box 2, [B_u, H, W]. */
  public static final String CUTMIX_BOX2 = "cutmix_box2";

  private final SemSimSettings settings;
  private final SemSimTerms terms;
  private final int height;
  private final int width;
  private final int labeledBatch;
  private final int unlabeledBatch;
  private final int ignoreIndex;

  /**
   * @param settings loss weights and thresholds
   * @param terms which similarity terms are on (ablations)
   * @param height training height H
   * @param width training width W
   * @param labeledBatch B_l
   * @param unlabeledBatch B_u
   * @param ignoreIndex label value left out of the supervised loss and the prototypes
   */
  public SemSimStrategy(SemSimSettings settings, SemSimTerms terms, int height, int width,
      int labeledBatch, int unlabeledBatch, int ignoreIndex) {
    if (height < 1 || width < 1 || labeledBatch < 1 || unlabeledBatch < 1) {
      throw new DelineoException("semsim strategy: expected positive size and batch sizes, found "
          + height + "x" + width + ", batches " + labeledBatch + " + " + unlabeledBatch);
    }
    this.settings = settings;
    this.terms = terms;
    this.height = height;
    this.width = width;
    this.labeledBatch = labeledBatch;
    this.unlabeledBatch = unlabeledBatch;
    this.ignoreIndex = ignoreIndex;
  }

  @Override
  public String name() {
    return "semsim";
  }

  /** The similarity terms in use. */
  public SemSimTerms terms() {
    return terms;
  }

  /** The loss settings. */
  public SemSimSettings settings() {
    return settings;
  }

  @Override
  public Objective objective(GraphContext ctx, SegmentationModel model, StepInputs inputs) {
    if (!(model instanceof SemSimUNet net)) {
      throw new ConfigException("strategy semsim: expected model " + SemSimUNet.NAME
          + " (it needs the fused feature), found " + model.name());
    }
    Ops tf = ctx.tf();
    int bl = labeledBatch;
    int bu = unlabeledBatch;
    Operand<TFloat32> x = pinned(tf, inputs.image(), bl);
    Operand<TInt32> y = tf.ensureShape(inputs.labels(), Shape.of(bl, height, width));
    Operand<TFloat32> uw = pinned(tf, inputs.image(U_WEAK), bu);
    Operand<TFloat32> umw = pinned(tf, inputs.image(U_MIX_WEAK), bu);
    Operand<TFloat32> s1 = pinned(tf, inputs.image(U_STRONG1), bu);
    Operand<TFloat32> box1 = inputs.floats(CUTMIX_BOX1, Shape.of(bu, height, width));
    boolean cross = terms.cross() && settings.lambdaCross() > 0f;
    boolean intra = terms.intra() && settings.lambdaIntra() > 0f;
    boolean fp = terms.featurePerturbation() && settings.lambdaFp() > 0f;

    // One TRAIN pass: [x, u_w, s1 (, s2)], decoder also on the perturbed u_w maps.
    List<Operand<TFloat32>> parts = new ArrayList<>(List.of(x, uw, s1));
    Operand<TFloat32> s2 = null;
    Operand<TFloat32> box2 = null;
    if (cross) {
      s2 = pinned(tf, inputs.image(U_STRONG2), bu);
      box2 = inputs.floats(CUTMIX_BOX2, Shape.of(bu, height, width));
      parts.add(s2);
    }
    List<Operand<TFloat32>> encoded = net.encode(ctx, tf.concat(parts, tf.constant(0)));
    // Without intra and cross terms the fusion module is not built: its variables would get no gradient.
    Operand<TFloat32> features = intra || cross ? net.fusedFeature(ctx, encoded) : null;
    List<Operand<TFloat32>> decoderInput = encoded;
    if (fp) {
      decoderInput = new ArrayList<>();
      for (int i = 0; i < encoded.size(); i++) {
        Operand<TFloat32> weakMaps = rows(tf, encoded.get(i), bl, bu);
        Operand<TFloat32> dropped = new ChannelDropout("semsim_fp." + i, settings.fpDropout()).apply(ctx, weakMaps);
        decoderInput.add(tf.concat(List.of(encoded.get(i), dropped), tf.constant(0)));
      }
    }
    Operand<TFloat32> logits = net.decode(ctx, decoderInput).logits();
    Operand<TFloat32> logitsX = rows(tf, logits, 0, bl);
    Operand<TFloat32> weakProbs = tf.stopGradient(tf.nn.softmax(rows(tf, logits, bl, bu)));
    Operand<TFloat32> strong1Probs = tf.nn.softmax(rows(tf, logits, bl + bu, bu));

    // The mix batch's weak view: EVAL mode, no gradient.
    GraphContext eval = ctx.withMode(Mode.EVAL);
    List<Operand<TFloat32>> mixEncoded = net.encode(eval, umw);
    Operand<TFloat32> mixProbs = tf.stopGradient(tf.nn.softmax(net.decode(eval, mixEncoded).logits()));

    SemSimLosses losses = new SemSimLosses(settings, net.numClasses());
    Operand<TFloat32> supervised = tf.math.mul(tf.constant(0.5f), tf.math.add(
        CrossEntropyLoss.builder().ignoreIndex(ignoreIndex).build().apply(tf, logitsX, y),
        DiceLoss.builder().ignoreIndex(ignoreIndex).build().apply(tf, logitsX, y, null)));
    Operand<TFloat32> target1 = paste(tf, box1, mixProbs, weakProbs);
    Operand<TFloat32> fixMatch = losses.fixMatch(tf, strong1Probs, target1, null);

    Operand<TFloat32> intraLoss = null;
    Operand<TFloat32> intraKept = null;
    if (intra) {
      Operand<TFloat32> weakFeatures = tf.stopGradient(rows(tf, features, bl, bu));
      Operand<TFloat32> mixFeatures = tf.stopGradient(net.fusedFeature(eval, mixEncoded));
      long h = features.shape().get(1);
      long w = features.shape().get(2);
      Operand<TFloat32> smallBox1 = tf.squeeze(Resize.nearest2d(tf, tf.expandDims(box1, tf.constant(-1)), h, w),
          org.tensorflow.op.core.Squeeze.axis(List.of(-1L)));
      Operand<TFloat32> pastedFeatures = paste(tf, smallBox1, mixFeatures, weakFeatures);
      intraLoss = losses.intra(tf, strong1Probs, rows(tf, features, bl + bu, bu), target1,
          pastedFeatures, null);
      intraKept = losses.intraKeptFraction(tf, target1, pastedFeatures, null);
    }
    Operand<TFloat32> crossLoss = null;
    if (cross) {
      crossLoss = losses.cross(tf, rows(tf, features, 0, bl), y, rows(tf, features, bl + 2 * bu, bu),
          paste(tf, box2, mixProbs, weakProbs), null);
    }
    Operand<TFloat32> fpLoss = null;
    if (fp) {
      int fpStart = bl + bu * (cross ? 3 : 2);
      fpLoss = losses.fixMatch(tf, tf.nn.softmax(rows(tf, logits, fpStart, bu)), weakProbs, null);
    }
    Operand<TFloat32> total = losses.total(tf,
        new SemSimLosses.Terms(supervised, fixMatch, intraLoss, crossLoss, fpLoss));

    Map<String, Operand<TFloat32>> scalars = new LinkedHashMap<>();
    scalars.put("loss", total);
    scalars.put("loss_s", supervised);
    scalars.put("loss_u", fixMatch);
    if (intraLoss != null) {
      scalars.put("loss_intra", intraLoss);
      scalars.put("intra_kept", intraKept);
    }
    if (crossLoss != null) {
      scalars.put("loss_cross", crossLoss);
    }
    if (fpLoss != null) {
      scalars.put("loss_fp", fpLoss);
    }
    return new Objective(total, scalars);
  }

  @Override
  public StepBatchSource batches(TrainingData data, LoaderPosition start) {
    return SemSimBatches.training(data, start);
  }

  /** The image pinned to [n, H, W, C] (C from its static shape). */
  private Operand<TFloat32> pinned(Ops tf, Operand<TFloat32> image, int n) {
    return tf.ensureShape(image, Shape.of(n, height, width, image.shape().get(3)));
  }

  /**
   * Rows [start, start + n) of the batch axis. Begin and size are int32: Slice's C++ gradient
   * subtracts them from an int32 shape and fails to build for int64 ones.
   */
  private static Operand<TFloat32> rows(Ops tf, Operand<TFloat32> x, int start, int n) {
    int rank = x.shape().numDimensions();
    int[] begin = new int[rank];
    int[] size = new int[rank];
    java.util.Arrays.fill(size, -1);
    begin[0] = start;
    size[0] = n;
    return tf.slice(x, tf.constant(begin), tf.constant(size));
  }

  /**
   * {@code own} with {@code mix} inside the box: own·(1 − box) + mix·box, box [N, h, w] of 0/1
   * broadcast over the last axis (exactly one of the two products is non-zero at each pixel). The
   * CutMix targets of the strong views are built with it (package-private so that the alignment
   * test runs this very mixing on the fed views).
   */
  static Operand<TFloat32> paste(Ops tf, Operand<TFloat32> box, Operand<TFloat32> mix,
      Operand<TFloat32> own) {
    Operand<TFloat32> b = tf.expandDims(box, tf.constant(-1));
    return tf.math.add(tf.math.mul(own, tf.math.sub(tf.constant(1f), b)), tf.math.mul(mix, b));
  }
}
