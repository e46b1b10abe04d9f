package org.delineo.graph.layers;

import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Stack;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The fixed 2-D sine/cosine position code of DETR, as mmdet's {@code SinePositionalEncoding}
 * ({@code mmdet/models/layers/positional_encoding.py}) computes it for a map without padding, in
 * channels-last layout: for a feature map [N, H, W, C] it returns [N, H, W, 2·numFeats], the same
 * for every sample, with no variables and no gradient to the map (only its shape is read).
 *
 * <p>With rows i = 1..H and columns j = 1..W (mmdet's cumulative sum of an all-valid mask), and
 * when normalising, y = (i + offset) / (H + eps)·scale and x = (j + offset) / (W + eps)·scale
 * (otherwise y = i, x = j). With d_k = temperature^(2·⌊k/2⌋ / numFeats), k = 0..numFeats−1, the
 * output channels are the y part then the x part, each interleaved as mmdet's stack-and-flatten
 * of (sin of the even k, cos of the odd k):
 *
 * <pre>
 *   out[.., k]            = sin(y / d_k) for even k,  cos(y / d_k) for odd k      (k &lt; numFeats)
 *   out[.., numFeats + k] = sin(x / d_k) for even k,  cos(x / d_k) for odd k
 * </pre>
 *
 * <p>H and W may be unknown until the graph runs (the code is built from {@code shape(input)}).
 * The arithmetic runs in float32 in mmdet's order (divide by the last position plus eps, then
 * multiply by the scale), so the values match PyTorch's to rounding.
 */
public final class SinePositionalEncoding implements Layer {
  /** mmdet's default temperature. */
  public static final float DEFAULT_TEMPERATURE = 10000f;
  /** mmdet's default scale when normalising, 2π: positions then span (0, 2π]. */
  public static final float DEFAULT_SCALE = (float) (2 * Math.PI);
  /** mmdet's default epsilon added to the last position before normalising. */
  public static final float DEFAULT_EPS = 1e-6f;

  private final int numFeats;
  private final boolean normalize;
  private final float scale;
  private final float eps;
  private final float offset;
  private final float[] dimT;

  /**
   * The setting of every Mask2Former config (pixel decoder and transformer decoder): temperature
   * 10000, normalised with scale 2π, eps 1e-6, offset 0. (mmdet's own default is {@code
   * normalize=False}; the configs all set it.)
   *
   * @param numFeats channels per axis, positive and even; the output has 2·numFeats channels
   */
  public SinePositionalEncoding(int numFeats) {
    this(numFeats, DEFAULT_TEMPERATURE, true, DEFAULT_SCALE, DEFAULT_EPS, 0f);
  }

  /**
   * @param numFeats channels per axis, positive and even (mmdet's stack of the even and odd
   *     channels needs as many of each)
   * @param temperature base of the geometric frequency ladder, positive
   * @param normalize whether positions are normalised to (0, scale]
   * @param scale factor of the normalised positions
   * @param eps added to the last position before dividing by it
   * @param offset added to each position before normalising
   */
  public SinePositionalEncoding(
      int numFeats, float temperature, boolean normalize, float scale, float eps, float offset) {
    if (numFeats < 2 || numFeats % 2 != 0) {
      throw new DelineoException(
          "SinePositionalEncoding: numFeats must be a positive even number, found " + numFeats);
    }
    if (!(temperature > 0f)) {
      throw new DelineoException(
          "SinePositionalEncoding: temperature must be positive, found " + temperature);
    }
    this.numFeats = numFeats;
    this.normalize = normalize;
    this.scale = scale;
    this.eps = eps;
    this.offset = offset;
    this.dimT = new float[numFeats];
    for (int k = 0; k < numFeats; k++) {
      // float32 as PyTorch: exponent 2·(k // 2) / numFeats, then temperature ** exponent.
      float exponent = (float) (2 * (k / 2)) / numFeats;
      dimT[k] = (float) Math.pow(temperature, exponent);
    }
  }

  /** Output channels: 2·numFeats. */
  public int channels() {
    return 2 * numFeats;
  }

  /**
   * The position code of a map.
   *
   * @param input [N, H, W, C], any C; only its shape is used
   * @return [N, H, W, 2·numFeats]
   */
  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    return encode(ctx.tf(), input);
  }

  /** {@link #apply} without a context, for callers that hold only the {@link Ops}. */
  public Operand<TFloat32> encode(Ops tf, Operand<TFloat32> input) {
    LayerShapes.rank(input, "SinePositionalEncoding input [N, H, W, C]", 4, 4);
    Operand<TInt32> shape = tf.shape(input);
    Operand<TInt32> n = dim(tf, shape, 0);
    Operand<TInt32> h = dim(tf, shape, 1);
    Operand<TInt32> w = dim(tf, shape, 2);
    Operand<TFloat32> yCode = axisCode(tf, h); // [H, F]
    Operand<TFloat32> xCode = axisCode(tf, w); // [W, F]
    Operand<TInt32> f = tf.constant(new int[] {numFeats});
    Operand<TInt32> one = tf.constant(new int[] {1});
    Operand<TInt32> full = tf.concat(List.of(n, h, w, f), tf.constant(0));
    Operand<TFloat32> yMap =
        tf.broadcastTo(tf.reshape(yCode, tf.concat(List.of(one, h, one, f), tf.constant(0))), full);
    Operand<TFloat32> xMap =
        tf.broadcastTo(tf.reshape(xCode, tf.concat(List.of(one, one, w, f), tf.constant(0))), full);
    return tf.concat(List.of(yMap, xMap), tf.constant(3));
  }

  /**
   * Entry {@code axis} of a shape vector, as a 1-element vector. A strided slice of {@code Shape},
   * which TF's shape inference resolves, so the output keeps the input's static sizes.
   */
  private static Operand<TInt32> dim(Ops tf, Operand<TInt32> shape, int axis) {
    return tf.stridedSlice(shape, tf.constant(new int[] {axis}), tf.constant(new int[] {axis + 1}),
        tf.constant(new int[] {1}));
  }

  /** The code of positions 1..size along one axis ({@code size} a 1-element vector): [size, numFeats]. */
  private Operand<TFloat32> axisCode(Ops tf, Operand<TInt32> size) {
    Operand<TInt32> last = tf.reshape(size, tf.constant(new int[0]));
    Operand<TFloat32> positions =
        tf.dtypes.cast(tf.range(tf.constant(1), tf.math.add(last, tf.constant(1)), tf.constant(1)),
            TFloat32.class); // [size]: 1..size, the cumulative sum of an all-valid mask
    if (normalize) {
      Operand<TFloat32> lastPosition = tf.dtypes.cast(last, TFloat32.class);
      positions =
          tf.math.mul(
              tf.math.div(
                  tf.math.add(positions, tf.constant(offset)),
                  tf.math.add(lastPosition, tf.constant(eps))),
              tf.constant(scale));
    }
    Operand<TFloat32> phase =
        tf.math.div(tf.expandDims(positions, tf.constant(1)), tf.constant(dimT)); // [size, F]
    // mmdet: stack((sin(phase[..., 0::2]), cos(phase[..., 1::2])), -1).flatten(-2).
    int half = numFeats / 2;
    int[] even = new int[half];
    int[] odd = new int[half];
    for (int i = 0; i < half; i++) {
      even[i] = 2 * i;
      odd[i] = 2 * i + 1;
    }
    Operand<TFloat32> sines = tf.math.sin(tf.gather(phase, tf.constant(even), tf.constant(1)));
    Operand<TFloat32> cosines = tf.math.cos(tf.gather(phase, tf.constant(odd), tf.constant(1)));
    Operand<TFloat32> stacked = tf.stack(List.of(sines, cosines), Stack.axis(2L));
    return tf.reshape(stacked, tf.concat(List.of(size, tf.constant(new int[] {numFeats})), tf.constant(0)));
  }
}
