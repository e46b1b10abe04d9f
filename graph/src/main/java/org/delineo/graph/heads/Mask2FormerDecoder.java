package org.delineo.graph.heads;

import java.util.ArrayList;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.VariableKind;
import org.delineo.graph.layers.SinePositionalEncoding;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Mask2Former's head without its pixel decoder: learned queries refined by the masked-attention
 * transformer decoder, with a class and mask prediction after every stage, mmdet 3.x
 * {@code Mask2FormerHead.forward} ({@code mmdet/models/dense_heads/mask2former_head.py} lines
 * 401–459), which mmseg's {@code Mask2FormerHead} inherits.
 *
 * <p>Per memory level l (lowest resolution first, the pixel decoder's order): tokens = the level's
 * map flattened row-major plus {@code level_embed.weight[l]}; their positional code is the
 * normalised sine code ({@link SinePositionalEncoding}, dim / 2 channels per axis). The
 * queries start as {@code query_feat.weight} with {@code query_embed.weight} as their positional
 * code. Stage 0 predicts from these queries; layer i (i = 0..layers−1) then attends to level
 * i mod levels under the mask drawn from the previous prediction
 * ({@link AttentionMasks#blockedKeys} at that level's size), and stage i + 1 predicts from its
 * output. The mmseg/mmdet channel widths match (feat_channels = decoder width), so the reference's
 * {@code decoder_input_projs} are identities and have no parameters.
 *
 * <p>Variables (mmseg state-dict names under {@code <name>}, normally {@code decode_head}):
 * {@code query_feat.weight}, {@code query_embed.weight} [Q, C], {@code level_embed.weight} [L, C],
 * {@code transformer_decoder.layers.<i>.*} ({@link Mask2FormerDecoderLayer}),
 * {@code transformer_decoder.post_norm.*}, {@code cls_embed.*}, {@code mask_embed.{0,2,4}.*}.
 */
public final class Mask2FormerDecoder extends Module {
  private final Mask2FormerDecoderConfig config;
  private final List<Mask2FormerDecoderLayer> layers = new ArrayList<>();
  private final Mask2FormerPredictor predictor;
  private final SinePositionalEncoding positions;

  /**
   * @param name the head's module path, normally {@code decode_head}
   * @param config sizes ({@link Mask2FormerDecoderConfig#reference} for the mmseg model)
   */
  public Mask2FormerDecoder(String name, Mask2FormerDecoderConfig config) {
    super(name);
    this.config = config;
    for (int i = 0; i < config.layers(); i++) {
      layers.add(new Mask2FormerDecoderLayer(
          child("transformer_decoder.layers." + i), config.dim(), config.heads(), config.feedforward()));
    }
    this.predictor = new Mask2FormerPredictor(name, config.numClasses(), config.dim());
    this.positions = new SinePositionalEncoding(config.dim() / 2);
  }

  /** The sizes this decoder was built with. */
  public Mask2FormerDecoderConfig config() {
    return config;
  }

  /**
   * Builds the decoder on the pixel decoder's outputs.
   *
   * @param maskFeatures [N, H/4, W/4, C] the per-pixel embeddings the masks are read from
   * @param memories the {@code levels} multi-scale memories [N, h_l, w_l, C], lowest resolution
   *     first (mmdet's {@code multi_scale_memorys}); sizes may be unknown until the graph runs
   * @return the 1 + layers predictions
   */
  public Mask2FormerPredictions apply(
      GraphContext ctx, Operand<TFloat32> maskFeatures, List<Operand<TFloat32>> memories) {
    if (memories.size() != config.levels()) {
      throw new DelineoException(name() + ": expected " + config.levels()
          + " memory levels (lowest resolution first), found " + memories.size());
    }
    Ops tf = ctx.tf();
    int dim = config.dim();
    Operand<TFloat32> levelEmbed = embedding(ctx, "level_embed.weight", config.levels());
    List<Operand<TFloat32>> tokens = new ArrayList<>();
    List<Operand<TFloat32>> codes = new ArrayList<>();
    List<Operand<TInt32>> sizes = new ArrayList<>();
    for (int l = 0; l < memories.size(); l++) {
      Operand<TFloat32> memory = memories.get(l);
      Shape s = memory.shape();
      if (s.isUnknown() || s.numDimensions() != 4 || s.get(3) != dim) {
        throw new ShapeMismatchException(
            name() + ": expected memory level " + l + " as [N, h, w, " + dim + "], found shape " + s);
      }
      Operand<TFloat32> level = tf.gather(levelEmbed, tf.constant(l), tf.constant(0)); // [C]
      tokens.add(tf.math.add(flatten(tf, memory), level));
      codes.add(flatten(tf, positions.encode(tf, memory)));
      sizes.add(tf.stridedSlice(tf.shape(memory), Indices.slice(1, 3)));
    }
    Operand<TFloat32> queryPos = embedding(ctx, "query_embed.weight", config.queries()); // [Q, C]
    Operand<TFloat32> queryFeat = embedding(ctx, "query_feat.weight", config.queries());
    Operand<TInt32> batch = tf.stridedSlice(tf.shape(maskFeatures), Indices.slice(0, 1));
    Operand<TFloat32> query = tf.broadcastTo(queryFeat,
        tf.concat(List.of(batch, tf.constant(new int[] {config.queries(), dim})), tf.constant(0)));

    List<Operand<TFloat32>> classLogits = new ArrayList<>();
    List<Operand<TFloat32>> maskLogits = new ArrayList<>();
    Mask2FormerPredictor.Prediction prediction = predictor.apply(ctx, query, maskFeatures);
    classLogits.add(prediction.classLogits());
    maskLogits.add(queryMajor(tf, prediction.maskLogits()));
    for (int i = 0; i < layers.size(); i++) {
      int level = i % config.levels();
      // The previous stage's mask at this layer's level (mmdet computes it in _forward_head).
      Operand<TBool> blocked = AttentionMasks.blockedKeys(tf, prediction.maskLogits(), sizes.get(level));
      query = layers.get(i).apply(ctx, query, tokens.get(level), queryPos, codes.get(level), blocked);
      prediction = predictor.apply(ctx, query, maskFeatures);
      classLogits.add(prediction.classLogits());
      maskLogits.add(queryMajor(tf, prediction.maskLogits()));
    }
    return new Mask2FormerPredictions(classLogits, maskLogits);
  }

  /** An {@code nn.Embedding} table [rows, C] with PyTorch's N(0, 1) start. */
  private Operand<TFloat32> embedding(GraphContext ctx, String param, int rows) {
    return ctx.variables().variable(child(param), Shape.of(rows, config.dim()),
        TransformerInits.embedding(), VariableKind.EMBEDDING);
  }

  /** [N, h, w, C] → [N, h·w, C] in row-major token order (mmdet's flatten(2).permute(0, 2, 1)). */
  private Operand<TFloat32> flatten(Ops tf, Operand<TFloat32> map) {
    Operand<TInt32> batch = tf.stridedSlice(tf.shape(map), Indices.slice(0, 1));
    return tf.reshape(map, tf.concat(List.of(batch, tf.constant(new int[] {-1, config.dim()})), tf.constant(0)));
  }

  /** [N, h, w, Q] → [N, Q, h, w]. */
  private static Operand<TFloat32> queryMajor(Ops tf, Operand<TFloat32> masks) {
    return tf.linalg.transpose(masks, tf.constant(new int[] {0, 3, 1, 2}));
  }
}
