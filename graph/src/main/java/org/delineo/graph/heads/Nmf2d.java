package org.delineo.graph.heads;

import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.ShapeMismatchException;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * mmseg's {@code NMF2D}, the "ham" of SegNeXt's Hamburger: each sample's non-negative map, as the
 * matrix X [D, N] (D = channels, N = H·W; mmseg's {@code MD_S = 1}), is factorised as
 * X ≈ bases · coefᵀ with R bases by multiplicative updates, and the reconstruction is returned.
 *
 * <p>As mmseg 1.2.2 runs it ({@code ham_head.py}): bases [D, R] are drawn uniform in [0, 1) and
 * L2-normalised along D ({@code F.normalize(dim=1)}); coef = softmax(Xᵀ·bases) over R ({@code inv_t}
 * is overwritten to 1 in {@code NMF2D.__init__}); then {@code steps} times (6 in TRAIN, 7 in
 * EVAL / PREDICT) coef ← coef ⊙ (Xᵀ·bases) / (coef·basesᵀ·bases + 1e-6) followed by
 * bases ← bases ⊙ (X·coef) / (bases·coefᵀ·coef + 1e-6); then one more coef update; the output is
 * bases·coefᵀ. Every step is differentiated (mmseg runs none of them under {@code no_grad}).
 *
 * <p>The random bases differ from mmseg's {@code torch.rand} on purpose: they come from a stateless
 * generator, so results are reproducible. In TRAIN they are keyed by (the op seed of
 * {@code <name>.bases}, {@link GraphContext#randomStep}), one draw per sample, so a resumed run
 * draws what an uninterrupted one would have (without a random step, step 0's). In EVAL and
 * PREDICT one draw, keyed by the module name only (not the graph seed, which differs between the
 * eval, export and weight-loading graphs), is shared by every sample: the same input gives the
 * same output in any session, any batch position and any window. The normalised bases are the op
 * {@code <name>.bases} (an identity), which tests may feed to fix them.
 */
public final class Nmf2d extends Module {
  /** mmseg's constant in both update denominators. */
  static final float EPS = 1e-6f;
  /** {@code F.normalize}'s lower bound on the norm. */
  private static final float NORM_EPS = 1e-12f;

  private final int rank;
  private final int trainSteps;
  private final int evalSteps;

  /**
   * @param name module path, mmseg's {@code decode_head.hamburger.ham}
   * @param rank number of bases R (mmseg's {@code MD_R})
   * @param trainSteps multiplicative-update steps in TRAIN (before the final coef update)
   * @param evalSteps steps in EVAL and PREDICT
   */
  public Nmf2d(String name, int rank, int trainSteps, int evalSteps) {
    super(name);
    if (rank < 1 || trainSteps < 0 || evalSteps < 0) {
      throw new DelineoException(name + ": NMF needs a positive rank and non-negative step counts, found rank "
          + rank + ", steps " + trainSteps + " / " + evalSteps);
    }
    this.rank = rank;
    this.trainSteps = trainSteps;
    this.evalSteps = evalSteps;
  }

  /** The update steps a graph of {@code ctx}'s mode runs (before the final coefficient update). */
  int steps(GraphContext ctx) {
    return ctx.training() ? trainSteps : evalSteps;
  }

  /**
   * The low-rank reconstruction of a non-negative NHWC map (same shape).
   *
   * @throws ShapeMismatchException if the input is not rank 4 with a static channel count
   */
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Shape s = input.shape();
    if (s.isUnknown() || s.numDimensions() != 4 || s.get(3) < 0) {
      throw new ShapeMismatchException(name() + ": expected an NHWC map [N, H, W, C] with a static C, found " + s);
    }
    Ops tf = ctx.tf();
    long d = s.get(3);
    Operand<TInt32> shape = tf.shape(input);
    Operand<TInt32> batch = tf.slice(shape, tf.constant(new int[] {0}), tf.constant(new int[] {1}));
    // Xᵀ per sample: [B, N, D] with N = H·W in row-major order, mmseg's x.view(B, D, N) transposed.
    Operand<TFloat32> xt = tf.reshape(input, tf.concat(List.of(batch, tf.constant(new int[] {-1, (int) d})),
        tf.constant(0)));
    Operand<TFloat32> bases = tf.withName(child("bases")).identity(bases(ctx, batch, d));
    return tf.reshape(decompose(tf, xt, bases, steps(ctx)), shape);
  }

  /**
   * The update iterations on Xᵀ [B, N, D] from {@code bases} [B, D, R]; returns (bases·coefᵀ)ᵀ
   * [B, N, D]. What {@link #apply} runs after drawing the bases.
   */
  static Operand<TFloat32> decompose(Ops tf, Operand<TFloat32> xt, Operand<TFloat32> bases, int steps) {
    Operand<TFloat32> coef = tf.nn.softmax(bmm(tf, xt, bases, false, false)); // inv_t = 1
    for (int i = 0; i < steps; i++) {
      coef = updateCoef(tf, xt, bases, coef);
      // bases ⊙ (X·coef) / (bases·(coefᵀ·coef) + eps); X·coef = (Xᵀ)ᵀ·coef.
      Operand<TFloat32> numerator = bmm(tf, xt, coef, true, false);
      Operand<TFloat32> denominator = bmm(tf, bases, bmm(tf, coef, coef, true, false), false, false);
      bases = tf.math.div(tf.math.mul(bases, numerator), tf.math.add(denominator, tf.constant(EPS)));
    }
    coef = updateCoef(tf, xt, bases, coef); // mmseg's compute_coef
    return bmm(tf, coef, bases, false, true);
  }

  /** coef ⊙ (Xᵀ·bases) / (coef·(basesᵀ·bases) + eps). */
  private static Operand<TFloat32> updateCoef(
      Ops tf, Operand<TFloat32> xt, Operand<TFloat32> bases, Operand<TFloat32> coef) {
    Operand<TFloat32> numerator = bmm(tf, xt, bases, false, false);
    Operand<TFloat32> denominator = bmm(tf, coef, bmm(tf, bases, bases, true, false), false, false);
    return tf.math.div(tf.math.mul(coef, numerator), tf.math.add(denominator, tf.constant(EPS)));
  }

  private static Operand<TFloat32> bmm(Ops tf, Operand<TFloat32> a, Operand<TFloat32> b, boolean adjA, boolean adjB) {
    return tf.train.batchMatMul(a, b, TFloat32.class, BatchMatMul.adjX(adjA), BatchMatMul.adjY(adjB));
  }

  /** Uniform [0, 1) bases [B, D, R], L2-normalised along D, drawn as the class comment says. */
  private Operand<TFloat32> bases(GraphContext ctx, Operand<TInt32> batch, long d) {
    Ops tf = ctx.tf();
    Operand<TInt32> dr = tf.constant(new int[] {(int) d, rank});
    Operand<TFloat32> uniform;
    if (ctx.training()) {
      Operand<TInt64> step = ctx.randomStep().orElse(tf.constant(0L));
      Operand<TInt64> key = tf.stack(List.of(tf.constant(ctx.opSeed(child("bases"))), step));
      uniform = tf.random.statelessRandomUniform(tf.concat(List.of(batch, dr), tf.constant(0)), key, TFloat32.class);
    } else {
      Operand<TInt64> key = tf.constant(new long[] {evalKey(name()), -1L});
      Operand<TFloat32> one = tf.random.statelessRandomUniform(
          tf.constant(new int[] {1, (int) d, rank}), key, TFloat32.class);
      uniform = tf.tile(one, tf.concat(List.of(batch, tf.constant(new int[] {1, 1})), tf.constant(0)));
    }
    Operand<TFloat32> norm = tf.math.sqrt(
        tf.reduceSum(tf.math.square(uniform), tf.constant(1), ReduceSum.keepDims(true)));
    // The draw's shape reads the input's batch size, so backpropagation would walk from the bases
    // into StatelessRandomUniform, which has no gradient: the bases are constants, say so.
    return tf.stopGradient(tf.math.div(uniform, tf.math.maximum(norm, tf.constant(NORM_EPS))));
  }

  /**
   * The EVAL / PREDICT key: a SplitMix64 mix of the module name's {@code String.hashCode} (fixed by
   * the Java specification), so every graph of the model, whatever its seed, draws the same bases.
   */
  static long evalKey(String name) {
    long z = name.hashCode() + 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return (z ^ (z >>> 31)) & Long.MAX_VALUE;
  }
}
