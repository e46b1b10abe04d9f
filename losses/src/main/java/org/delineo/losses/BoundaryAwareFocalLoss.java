package org.delineo.losses;

import org.delineo.graph.ShapeMismatchException;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Focal loss with more weight along label boundaries: PROVE's "boundary-aware focal loss"
 * suggestion ({@code docs/LOSS_CONFIGURATION.md} §6: {@code focal_loss * (1 + sobel_edges(labels))}).
 *
 * <p>With e_i the focal term of pixel i ({@link FocalLoss}, either form, per-pixel weights
 * included) and b_i ∈ [0, 1] the Sobel boundary strength of the label map at i (one-hot labels,
 * replicate padding, 1 beside a straight two-class boundary, 0 away from boundaries and at ignored
 * pixels; see {@link LabelEdges}):
 *
 * <pre>
 *   loss = Σ_i e_i · (1 + λ · b_i) / D
 * </pre>
 *
 * where D is the focal loss's own divisor (SOFTMAX: non-ignored pixels + ε; SIGMOID: pixels × K),
 * so λ = 0 gives the focal loss exactly. b depends on the labels only and carries no gradient.
 * 2-D only: logits [N, H, W, K], labels [N, H, W].
 *
 * <p>Worked example: labels of one row {0, 0, 1, 1} (1 × 1 × 4), K = 2, λ = 1. Replicate padding
 * makes the outer pixels' neighbourhoods uniform (b = 0); each middle pixel has one class on its
 * left and the other on its right, E = 4√2, b = 1. The loss is (e_0 + 2e_1 + 2e_2 + e_3) / D.
 *
 * <pre>{@code
 * LossTerm loss = BoundaryAwareFocalLoss.builder().lambda(1f).build();
 * Operand<TFloat32> value = loss.apply(tf, logits, labels);
 * }</pre>
 */
public final class BoundaryAwareFocalLoss implements LossTerm {
  /** Boundary emphasis of PROVE's formula, 1 + b. */
  public static final float DEFAULT_LAMBDA = 1f;

  private final FocalLoss focal;
  private final float lambda;

  private BoundaryAwareFocalLoss(Builder b) {
    this.focal = b.focal;
    this.lambda = b.lambda;
  }

  /** A builder with the default focal loss (SOFTMAX, γ 2, α 0.5, ignore 255) and λ = 1. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The scalar loss.
   *
   * @param logits [N, H, W, K], K static
   * @param labels [N, H, W] class ids, the focal loss's ignore index for ignored pixels
   * @param pixelWeights the labels' shape, or null for none
   * @throws ShapeMismatchException on mismatched shapes or volumes
   */
  @Override
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> logits, Operand<TInt32> labels,
      Operand<TFloat32> pixelWeights) {
    if (logits.shape().numDimensions() != 4) {
      throw new ShapeMismatchException("boundary-aware focal logits: expected rank 4 [N, H, W, K] "
          + "(Sobel edges are 2-D), found shape " + logits.shape());
    }
    int k = PixelLabels.classes("boundary-aware focal", logits, labels, pixelWeights);
    Operand<TFloat32> terms = focal.pixelTerms(tf, logits, labels, pixelWeights);
    Operand<TFloat32> boost = tf.math.add(tf.constant(1f),
        tf.math.mul(tf.constant(lambda), LabelEdges.sobel(tf, labels, k, focal.ignoreIndex())));
    return tf.math.div(
        PixelLabels.sumAll(tf, tf.math.mul(terms, boost)), focal.divisor(tf, labels, k));
  }

  /** Readable construction of a {@link BoundaryAwareFocalLoss}; every setting has a default. */
  public static final class Builder {
    private FocalLoss focal = FocalLoss.builder().build();
    private float lambda = DEFAULT_LAMBDA;

    private Builder() {}

    /** The focal term to reweight (default: {@code FocalLoss.builder().build()}). */
    public Builder focal(FocalLoss value) {
      this.focal = value;
      return this;
    }

    /** Boundary emphasis λ ≥ 0 (default 1): boundary pixels count 1 + λ times. */
    public Builder lambda(float value) {
      this.lambda = value;
      return this;
    }

    /** @throws org.delineo.graph.DelineoException on an invalid setting, naming it */
    public BoundaryAwareFocalLoss build() {
      PixelLabels.require(focal != null, "boundary-aware focal: the focal loss must be set, found null");
      PixelLabels.require(Float.isFinite(lambda) && lambda >= 0f,
          "boundary-aware focal lambda must be finite and non-negative, found " + lambda);
      return new BoundaryAwareFocalLoss(this);
    }
  }
}
