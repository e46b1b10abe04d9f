package org.delineo.graph.models.rfnet;

import java.util.ArrayList;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.init.Initializers;
import org.delineo.graph.layers.Activations;
import org.delineo.graph.layers.Conv3d;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * RFNet's {@code modal_fusion}, for all K class regions of one level at once. For region c, with
 * region probability P_c and masked modality maps F_k, the region mean p̄ = mean(P_c) + 1e-7 and the
 * region-average features f̄_k = mean(F_k·P_c) / p̄ feed the region's MLP
 * ({@code <c>.weight_layer.0}: 1×1 conv M·C + 1 → hidden, LeakyReLU, {@code <c>.weight_layer.2}:
 * hidden → M), whose sigmoid gives one weight w_ck per modality; the region's output is
 * Σ_k w_ck·F_k·P_c. Means run over the spatial axes of each sample separately.
 *
 * <p>Why all regions at once: written per region and modality, this is K·M full-size products and
 * means for the descriptors and K·(2M) more for the outputs (64 full-size passes at K = M = 4, twice
 * that backwards, about a tenth of a PRISM step). Over the maps F = [F_1 … F_M] concatenated along
 * channels ([B, S, M·C], S positions) both are matrix products: the descriptors are Fᵀ·P
 * ([B, M·C, K]), the outputs F·W with W [B, M·C, K·C] holding w_ck·I_C in block (k, c), times P_c.
 */
public final class ModalFusion extends Module {
  /** Added to the region mean before dividing by it, as in the reference. */
  static final float EPS = 1e-7f;

  private final int numModalities;
  private final List<Conv3d[]> mlps = new ArrayList<>();
  private final float leakySlope;

  /**
   * @param name module path, e.g. {@code decoder_fuse.RFM4.modal_fusion}; region c's MLP is
   *     {@code <name>.<c>.weight_layer.0 / .2}
   * @param numClasses K, one region per class
   * @param numModalities M
   * @param hiddenWidth width of the weighting MLP (128 in the reference)
   * @param leakySlope negative slope of the MLP's LeakyReLU
   */
  public ModalFusion(
      String name, int numClasses, int numModalities, int hiddenWidth, float leakySlope) {
    super(name);
    this.numModalities = numModalities;
    for (int c = 0; c < numClasses; c++) {
      mlps.add(new Conv3d[] {
        Conv3d.builder(child(c + ".weight_layer.0"), hiddenWidth).kernel(1)
            .init(Initializers.heNormal()).build(),
        Conv3d.builder(child(c + ".weight_layer.2"), numModalities).kernel(1)
            .init(Initializers.heNormal()).build()
      });
    }
    this.leakySlope = leakySlope;
  }

  /**
   * The fused region features [B, D, H, W, K·C], region-major (region c in channels c·C to
   * c·C + C − 1).
   *
   * @param maps the M masked modality maps concatenated along channels, [B, D, H, W, M·C]
   * @param regions the region probabilities P [B, D, H, W, K] (detached by the caller)
   */
  public Operand<TFloat32> apply(
      GraphContext ctx, Operand<TFloat32> maps, Operand<TFloat32> regions) {
    Ops tf = ctx.tf();
    int k = mlps.size();
    long mc = maps.shape().get(4);
    if (mc < 0 || mc % numModalities != 0 || regions.shape().get(4) != k) {
      throw new DelineoException(name() + ": expected maps with a static multiple of "
          + numModalities + " channels and " + k + " region channels, found " + maps.shape() + " and "
          + regions.shape());
    }
    long c = mc / numModalities;
    int batch = -2; // axis 0 of the maps (see dims)
    long[] size = maps.shape().asArray();
    long s = size[1] < 0 || size[2] < 0 || size[3] < 0 ? -1 : size[1] * size[2] * size[3]; // positions
    Operand<TFloat32> f = tf.reshape(maps, dims(tf, maps, batch, s, mc));
    Operand<TFloat32> p = tf.reshape(regions, dims(tf, maps, batch, s, k));
    Operand<TFloat32> positions =
        tf.dtypes.cast(tf.gather(tf.shape(f), tf.constant(1), tf.constant(0)), TFloat32.class);
    // mean(F_k·P_c) for every modality channel and region: [B, M·C, K]; mean(P_c) + eps: [B, K].
    Operand<TFloat32> featureMeans =
        tf.math.div(tf.train.batchMatMul(f, p, TFloat32.class, BatchMatMul.adjX(true)), positions);
    Operand<TFloat32> regionMeans = tf.math.add(
        tf.math.div(tf.reduceSum(p, tf.constant(1)), positions), tf.constant(EPS));
    Operand<TFloat32> mixing = blockDiagonal(tf, regionWeights(ctx, featureMeans, regionMeans), c);
    // Σ_k w_ck·F_k for every region, then times P_c (broadcast over the region's C channels).
    Operand<TFloat32> mixed =
        tf.reshape(tf.train.batchMatMul(f, mixing, TFloat32.class), dims(tf, maps, batch, s, k, c));
    Operand<TFloat32> weighted = tf.math.mul(mixed, tf.reshape(p, dims(tf, maps, batch, s, k, 1)));
    return tf.reshape(weighted, dims(tf, maps, -2, -3, -4, -5, k * c));
  }

  /**
   * Each region's MLP on its descriptor [f̄_1 … f̄_M, p̄] (M·C + 1 values per sample): the modality
   * weights w [B, K, M].
   *
   * @param featureMeans mean(F·P_c) per channel of the concatenated maps and region, [B, M·C, K]
   * @param regionMeans p̄ per region, [B, K]
   */
  private Operand<TFloat32> regionWeights(
      GraphContext ctx, Operand<TFloat32> featureMeans, Operand<TFloat32> regionMeans) {
    Ops tf = ctx.tf();
    long mc = featureMeans.shape().get(1);
    List<Operand<TFloat32>> weights = new ArrayList<>();
    for (int region = 0; region < mlps.size(); region++) {
      Operand<TFloat32> mean =
          tf.slice(regionMeans, tf.constant(new int[] {0, region}), tf.constant(new int[] {-1, 1}));
      Operand<TFloat32> avg = tf.reshape(
          tf.slice(featureMeans, tf.constant(new int[] {0, 0, region}), tf.constant(new int[] {-1, -1, 1})),
          tf.constant(new long[] {-1, mc}));
      Operand<TFloat32> v = tf.reshape(tf.concat(List.of(tf.math.div(avg, mean), mean), tf.constant(1)),
          tf.constant(new long[] {-1, 1, 1, 1, mc + 1}));
      Conv3d[] mlp = mlps.get(region);
      Operand<TFloat32> h = Activations.leakyRelu(tf, mlp[0].apply(ctx, v), leakySlope);
      weights.add(tf.reshape(tf.math.sigmoid(mlp[1].apply(ctx, h)),
          tf.constant(new long[] {-1, 1, numModalities})));
    }
    return tf.concat(weights, tf.constant(1));
  }

  /** W [B, M·C, K·C] from weights w [B, K, M]: w_ck on the diagonal of block (k, c), zero elsewhere. */
  private Operand<TFloat32> blockDiagonal(Ops tf, Operand<TFloat32> w, long c) {
    long k = mlps.size();
    Operand<TFloat32> blocks = tf.math.mul(
        tf.reshape(tf.linalg.transpose(w, tf.constant(new int[] {0, 2, 1})),
            tf.constant(new long[] {-1, numModalities, 1, k, 1})),
        tf.constant(Shape.of(1, 1, c, 1, c), DataBuffers.of(identity((int) c), true, false)));
    return tf.reshape(blocks, tf.constant(new long[] {-1, numModalities * c, k * c}));
  }

  /** The c × c identity, row-major. */
  private static float[] identity(int c) {
    float[] eye = new float[c * c];
    for (int i = 0; i < c; i++) {
      eye[i * c + i] = 1f;
    }
    return eye;
  }

  /**
   * A reshape target: a size ≥ −1 is taken as is, −2 − a stands for axis a of {@code like}, as a
   * constant where its static shape knows it. With more than one size unknown it is a Pack of
   * scalars, from which shape inference still keeps every constant size (the channels).
   */
  private static Operand<TInt32> dims(Ops tf, Operand<TFloat32> like, long... sizes) {
    int[] known = new int[sizes.length];
    int free = 0;
    for (int i = 0; i < sizes.length; i++) {
      known[i] = (int) (sizes[i] >= -1 ? sizes[i] : like.shape().get((int) (-2 - sizes[i])));
      free += known[i] < 0 ? 1 : 0;
    }
    if (free <= 1) { // at most one size left to Reshape: a plain constant, which Grappler reads best
      return tf.constant(known);
    }
    List<Operand<TInt32>> out = new ArrayList<>();
    for (int i = 0; i < sizes.length; i++) {
      out.add(sizes[i] >= -1 || known[i] >= 0
          ? tf.constant(known[i])
          : tf.gather(tf.shape(like), tf.constant((int) (-2 - sizes[i])), tf.constant(0)));
    }
    return tf.stack(out);
  }
}
