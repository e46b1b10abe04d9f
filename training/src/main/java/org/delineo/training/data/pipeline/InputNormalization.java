package org.delineo.training.data.pipeline;

import java.util.List;
import org.delineo.proto.DataConfig;
import org.delineo.training.config.ConfigException;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Per-channel {@code (x − mean) / std} inside the graph, so training, evaluation and exported models
 * all take raw intensities. Empty {@code data.mean}/{@code data.std} mean mmseg's RGB statistics for
 * 3-channel images and no normalisation otherwise (medical data is normalised per case on load;
 * exported graphs add that step in front with {@link NormalizationKind}).
 */
public record InputNormalization(float[] mean, float[] std) {
  private static final float[] MMSEG_MEAN = {123.675f, 116.28f, 103.53f};
  private static final float[] MMSEG_STD = {58.395f, 57.12f, 57.375f};

  /** The normalisation {@code data} asks for, for images of {@code channels} channels. */
  public static InputNormalization of(DataConfig data, int channels) {
    float[] mean = toArray(data.getMeanList());
    float[] std = toArray(data.getStdList());
    if (mean.length == 0 && std.length == 0) {
      if (channels == 3) {
        return new InputNormalization(MMSEG_MEAN.clone(), MMSEG_STD.clone());
      }
      return new InputNormalization(new float[0], new float[0]);
    }
    if (mean.length != channels || std.length != channels) {
      throw new ConfigException("fields 'data.mean' and 'data.std': expected " + channels
          + " values each (one per channel), found " + mean.length + " and " + std.length);
    }
    return new InputNormalization(mean, std);
  }

  /** The normalised image; the identity when no statistics are set. */
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> image) {
    if (mean.length == 0) {
      return image;
    }
    return tf.math.div(tf.math.sub(image, tf.constant(mean)), tf.constant(std));
  }

  private static float[] toArray(List<Float> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }
}
