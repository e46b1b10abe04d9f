package org.delineo.training.data.pipeline;

import org.delineo.proto.DataConfig;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Max;
import org.tensorflow.op.core.Min;
import org.tensorflow.op.core.Sum;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The intensity normalisation a dataset reader applies on load, rebuilt as graph ops for exported
 * models, so that serving clients send raw intensities. Training and evaluation graphs never apply
 * it: their samples arrive already normalised by the reader, and applying it twice would change
 * them. {@link InputNormalization} (mean / std) comes after it, as in training.
 */
public enum NormalizationKind {
  /** The reader passes intensities unchanged (scenes, ISIC). */
  NONE,
  /**
   * {@code SliceDataset}: per channel {@code (x - min) / (max - min)} over the whole volume, 0 when
   * {@code max == min}. In the graph the minimum and maximum are taken over the whole request (all
   * images of the batch, all pixels), which equals training when one request holds all slices of
   * one volume.
   */
  MIN_MAX_PER_REQUEST,
  /**
   * {@code BratsPreprocessor}: per sample and per channel, {@code (x - mean) / std} with the mean
   * and population standard deviation over the brain mask (voxels whose sum over channels is
   * {@code > 0}), applied to every voxel, so the background becomes a negative constant; a channel
   * constant over the mask is only centred (scale 1). A sample without brain voxels passes
   * unchanged here, where the reader rejects it.
   */
  BRAIN_ZSCORE_PER_SAMPLE;

  /** The normalisation the reader of {@code data.layout} applies on load. */
  public static NormalizationKind of(DataConfig data) {
    switch (data.getLayout()) {
      case BRATS:
      case SYNTHETIC_BRATS3D:
        return BRAIN_ZSCORE_PER_SAMPLE;
      case ACDC:
      case PROMISE12:
      case SYNTHETIC_MEDICAL2D:
        return MIN_MAX_PER_REQUEST;
      default:
        return NONE;
    }
  }

  /** {@code image} {@code [N, ..., C]} normalised as described for this kind. */
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> image) {
    switch (this) {
      case MIN_MAX_PER_REQUEST:
        return minMax(tf, image);
      case BRAIN_ZSCORE_PER_SAMPLE:
        return brainZScore(tf, image);
      default:
        return image;
    }
  }

  /** Axes 0 .. rank-2: everything but the channel axis, so one min and max per channel. */
  private static Operand<TFloat32> minMax(Ops tf, Operand<TFloat32> x) {
    Operand<TInt32> axes = tf.range(tf.constant(0), tf.math.sub(tf.rank(x), tf.constant(1)),
        tf.constant(1));
    Operand<TFloat32> min = tf.min(x, axes, Min.keepDims(true));
    Operand<TFloat32> range = tf.math.sub(tf.max(x, axes, Max.keepDims(true)), min);
    // flag = 1 where the channel has a range, else 0; dividing by range + (1 - flag) avoids 0/0.
    Operand<TFloat32> flag = tf.dtypes.cast(tf.math.greater(range, tf.constant(0f)), TFloat32.class);
    Operand<TFloat32> safe = tf.math.add(range, tf.math.sub(tf.constant(1f), flag));
    return tf.math.mul(tf.math.div(tf.math.sub(x, min), safe), flag);
  }

  /** Per-sample statistics over axes 1 .. rank-2 of the voxels whose channel sum is > 0. */
  private static Operand<TFloat32> brainZScore(Ops tf, Operand<TFloat32> x) {
    Operand<TInt32> spatial = tf.range(tf.constant(1), tf.math.sub(tf.rank(x), tf.constant(1)),
        tf.constant(1));
    Operand<TFloat32> brain = tf.dtypes.cast(
        tf.math.greater(tf.sum(x, tf.constant(-1), Sum.keepDims(true)), tf.constant(0f)), TFloat32.class);
    // max(count, 1): a sample without brain voxels gets mean 0 and std 0, i.e. is left unchanged.
    Operand<TFloat32> count = tf.math.maximum(tf.sum(brain, spatial, Sum.keepDims(true)), tf.constant(1f));
    Operand<TFloat32> mean = tf.math.div(tf.sum(tf.math.mul(x, brain), spatial, Sum.keepDims(true)), count);
    Operand<TFloat32> centred = tf.math.sub(x, mean);
    Operand<TFloat32> var = tf.math.div(
        tf.sum(tf.math.mul(tf.math.square(centred), brain), spatial, Sum.keepDims(true)), count);
    Operand<TFloat32> std = tf.math.sqrt(var);
    Operand<TFloat32> flag = tf.dtypes.cast(tf.math.greater(std, tf.constant(0f)), TFloat32.class);
    // scale = 1 / std where std > 0, else 1 (BratsPreprocessor centres constant channels only).
    Operand<TFloat32> scale = tf.math.div(tf.constant(1f), tf.math.add(tf.math.mul(std, flag),
        tf.math.sub(tf.constant(1f), flag)));
    return tf.math.mul(centred, scale);
  }
}
