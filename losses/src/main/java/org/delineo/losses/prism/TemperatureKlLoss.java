package org.delineo.losses.prism;

import java.util.Arrays;
import org.delineo.graph.ShapeMismatchException;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Pixel-wise knowledge distillation from teacher logits to student logits with temperature T:
 * PASSION's {@code temp_kl_loss_bs} (reference-methods.md §4.7.3, decision PR-3 as the reference:
 * KL(p_t ‖ p_s) with the teacher as weights). Input are <em>logits</em>, channels-last
 * {@code [N, spatial..., K]}, teacher and student of equal shape.
 *
 * <pre>
 *   p_s = clamp(softmax(z_s / T), c, 1),   p_t = clamp(softmax(stop_gradient(z_t) / T), c, 1)
 *   loss_n = mean over (voxels, classes) of T² · p_t · (log p_t − log p_s)   → shape [N]
 * </pre>
 *
 * Defaults T = 4, c = 0.005. The clamped values are not renormalised, and the mean includes the
 * class axis, so without clamping this is T²·KL/K. The teacher is detached here (tf.stopGradient),
 * so no gradient reaches the teacher's logits whoever calls this. Softmax runs on the class axis
 * at any rank (tf.nn.softmax's gradient is right there; LogSoftmax's is not, hence log of the
 * clamped softmax, which the reference computes anyway).
 *
 * <p>Worked example: one pixel, 2 classes, T = 1.
 *
 * <pre>{@code
 * // student logits (0, 0) → p_s = (0.5, 0.5); teacher logits (0, ln 3) → p_t = (0.25, 0.75)
 * Operand<TFloat32> loss = new TemperatureKlLoss(1f, 0.005f).apply(tf, student, teacher);
 * // 0.25·ln(0.25/0.5) + 0.75·ln(0.75/0.5) = −0.17329 + 0.30410 = 0.13081
 * // mean over the 2 classes: [0.065406]
 * }</pre>
 */
public final class TemperatureKlLoss {
  /** PASSION's default temperature ({@code --temp}). */
  public static final float DEFAULT_TEMPERATURE = 4f;
  /** The reference's lower clamp of both distributions. */
  public static final float DEFAULT_CLAMP = 0.005f;

  private final float temperature;
  private final float clamp;

  /** The reference form: T = 4, clamp 0.005. */
  public TemperatureKlLoss() {
    this(DEFAULT_TEMPERATURE, DEFAULT_CLAMP);
  }

  /**
   * @param temperature T, positive and finite
   * @param clamp lower clamp of both distributions, in (0, 1)
   * @throws org.delineo.graph.DelineoException on an invalid setting
   */
  public TemperatureKlLoss(float temperature, float clamp) {
    PrismTensors.require(temperature > 0f && Float.isFinite(temperature),
        "KL temperature must be positive and finite, found " + temperature);
    PrismTensors.require(clamp > 0f && clamp < 1f,
        "KL clamp must lie in (0, 1), found " + clamp);
    this.temperature = temperature;
    this.clamp = clamp;
  }

  /**
   * The per-sample loss [N].
   *
   * @param studentLogits [N, spatial..., K], K static
   * @param teacherLogits the same shape; detached inside
   * @throws org.delineo.graph.ShapeMismatchException on mismatched shapes
   */
  public Operand<TFloat32> apply(
      Ops tf, Operand<TFloat32> studentLogits, Operand<TFloat32> teacherLogits) {
    return apply(tf, studentLogits, teacherLogits, null);
  }

  /**
   * The per-sample loss [N] with PASSION's {@code up_op}: both softmaxes are upsampled to
   * {@code outputSpatialSize} (trilinear 3-D / bilinear 2-D, align_corners = True) before the clamp,
   * so the mean runs over the full-resolution voxels, as {@code temp_kl_loss_bs(prm_l, …, up_op_l)}
   * does for the PRM levels (reference-methods.md §4.7.3). Inputs already at that size are used as
   * they are.
   *
   * <p>Worked example, T = 1, one sample, 1×2 pixels upsampled to 1×3, K = 2: student logits (0, 0)
   * at both pixels; teacher (0, ln 3) then (ln 3, 0), i.e. p_t = (0.25, 0.75), (0.75, 0.25), whose
   * middle upsampled pixel is (0.5, 0.5). Per-pixel KL 0.130812, 0, 0.130812; the mean over 3 pixels
   * × 2 classes is 0.043604 (0.065406 without upsampling).
   *
   * @param studentLogits [N, spatial..., K] with static spatial sizes, 2 or 3 spatial axes
   * @param teacherLogits the same shape; detached inside
   * @param outputSpatialSize the full-resolution spatial size, one entry per spatial axis; null
   *     for no upsampling
   * @throws ShapeMismatchException on mismatched shapes or a size of the wrong
   *     length
   */
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> studentLogits, Operand<TFloat32> teacherLogits,
      long[] outputSpatialSize) {
    int r = PrismTensors.rank("KL student logits", studentLogits);
    PrismTensors.requireCompatible("KL teacher logits (the student logits' shape)",
        studentLogits.shape(), teacherLogits.shape());
    if (outputSpatialSize != null && (outputSpatialSize.length != r - 2 || r < 4 || r > 5)) {
      throw new ShapeMismatchException("KL output spatial size: expected " + (r - 2)
          + " sizes for 2 or 3 spatial axes (logits shape " + studentLogits.shape() + "), found "
          + Arrays.toString(outputSpatialSize));
    }
    Operand<TFloat32> invT = tf.constant(1f / temperature);
    Operand<TFloat32> softS = tf.nn.softmax(tf.math.mul(studentLogits, invT));
    Operand<TFloat32> softT = tf.nn.softmax(tf.math.mul(tf.stopGradient(teacherLogits), invT));
    if (outputSpatialSize != null) {
      // The reference upsamples the probabilities, not the logits, and clamps afterwards.
      softS = PrismTensors.upsample(tf, softS, outputSpatialSize, "KL student logits");
      softT = PrismTensors.upsample(tf, softT, outputSpatialSize, "KL teacher logits");
    }
    Operand<TFloat32> pS = PrismTensors.clampProbabilities(tf, softS, clamp);
    Operand<TFloat32> pT = PrismTensors.clampProbabilities(tf, softT, clamp);
    Operand<TFloat32> element = tf.math.mul(
        tf.constant(temperature * temperature),
        tf.math.mul(pT, tf.math.sub(tf.math.log(pT), tf.math.log(pS))));
    return tf.math.mean(element, PrismTensors.allButBatch(tf, r));
  }

  /** The lower clamp of both distributions. */
  public float clamp() {
    return clamp;
  }
}
