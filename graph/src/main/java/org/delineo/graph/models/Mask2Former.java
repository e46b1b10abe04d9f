package org.delineo.graph.models;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.heads.Mask2FormerDecoder;
import org.delineo.graph.heads.Mask2FormerPredictions;
import org.delineo.graph.heads.Mask2FormerSemanticInference;
import org.delineo.graph.heads.MsDeformAttnPixelDecoder;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.delineo.graph.model.SegmentationModel;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Mask2Former (mmseg's {@code Mask2Former} = EncoderDecoder with {@code Mask2FormerHead}): a backbone's
 * four maps (strides 4..32) into the {@link MsDeformAttnPixelDecoder}, whose mask features and
 * multi-scale memories feed the {@link Mask2FormerDecoder}; no auxiliary head.
 *
 * <p>{@link ModelOutputs#logits()} are the semantic <em>scores</em> of the last stage at the input's
 * resolution ({@link Mask2FormerSemanticInference}: Σ_q softmax(class)·sigmoid(mask), [N, H, W, K]),
 * not logits: argmax, evaluation, prediction and export use them as they are (mmseg's predict
 * path), but a softmax cross-entropy on them is meaningless. Training reads the per-stage
 * predictions instead, which {@link #predictions(ModelOutputs)} recovers from the named features
 * {@code mask2former.class_logits.<i>} [N, Q, K + 1] and {@code mask2former.mask_logits.<i>}
 * [N, Q, H/4, W/4] (i = 0 before the first decoder layer, i = l after layer l).
 */
public final class Mask2Former implements SegmentationModel {
  /** Feature-name prefix of stage i's class logits. */
  public static final String CLASS_LOGITS = "mask2former.class_logits.";
  /** Feature-name prefix of stage i's mask logits. */
  public static final String MASK_LOGITS = "mask2former.mask_logits.";
  /** Swin's total stride: the pixel decoder's levels must halve exactly. */
  private static final int SIZE_DIVISOR = 32;

  private final String name;
  private final int numClasses;
  private final Backbone backbone;
  private final MsDeformAttnPixelDecoder pixelDecoder;
  private final Mask2FormerDecoder decoder;

  /**
   * @param name registry name (e.g. {@code mask2former_swin_b})
   * @param backbone four maps at strides 4, 8, 16, 32
   * @param pixelDecoder normally named {@code decode_head.pixel_decoder}
   * @param decoder normally named {@code decode_head}, built for {@code numClasses} classes
   */
  public Mask2Former(String name, int numClasses, Backbone backbone, MsDeformAttnPixelDecoder pixelDecoder,
      Mask2FormerDecoder decoder) {
    if (decoder.config().numClasses() != numClasses) {
      throw new DelineoException(name + ": the decoder predicts " + decoder.config().numClasses()
          + " classes, expected " + numClasses);
    }
    this.name = name;
    this.numClasses = numClasses;
    this.backbone = backbone;
    this.pixelDecoder = pixelDecoder;
    this.decoder = decoder;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int numClasses() {
    return numClasses;
  }

  @Override
  public int sizeDivisor() {
    return SIZE_DIVISOR;
  }

  /** The number of predictions (decoder layers + 1) the losses read. */
  public int stages() {
    return decoder.config().layers() + 1;
  }

  /** The number of queries. */
  public int queries() {
    return decoder.config().queries();
  }

  @Override
  public ModelOutputs apply(GraphContext ctx, ModelInputs inputs) {
    Ops tf = ctx.tf();
    Operand<TFloat32> image = inputs.image();
    List<Operand<TFloat32>> features = backbone.apply(ctx, image);
    MsDeformAttnPixelDecoder.Output pixels = pixelDecoder.apply(ctx, features);
    Mask2FormerPredictions predictions = decoder.apply(ctx, pixels.maskFeatures(), pixels.multiScaleFeatures());
    Operand<TInt32> size = tf.stridedSlice(tf.shape(image), Indices.slice(1, 3));
    Operand<TFloat32> scores = Mask2FormerSemanticInference.scores(
        tf, predictions.lastClassLogits(), predictions.lastMaskLogits(), size);
    Map<String, Operand<TFloat32>> named = new LinkedHashMap<>();
    for (int i = 0; i < predictions.classLogits().size(); i++) {
      named.put(CLASS_LOGITS + i, predictions.classLogits().get(i));
      named.put(MASK_LOGITS + i, predictions.maskLogits().get(i));
    }
    return new ModelOutputs(scores, Map.of(), List.of(), named);
  }

  /**
   * The per-stage predictions of outputs built by a Mask2Former (in stage order).
   *
   * @throws DelineoException when the outputs carry no Mask2Former predictions (another model's)
   */
  public static Mask2FormerPredictions predictions(ModelOutputs outputs) {
    List<Operand<TFloat32>> classes = new ArrayList<>();
    List<Operand<TFloat32>> masks = new ArrayList<>();
    for (int i = 0; outputs.features().containsKey(CLASS_LOGITS + i); i++) {
      classes.add(outputs.features().get(CLASS_LOGITS + i));
      masks.add(outputs.features().get(MASK_LOGITS + i));
    }
    if (classes.isEmpty()) {
      throw new DelineoException("expected the outputs of a Mask2Former model (features '" + CLASS_LOGITS
          + "0', ...), found features " + outputs.features().keySet());
    }
    return new Mask2FormerPredictions(classes, masks);
  }
}
