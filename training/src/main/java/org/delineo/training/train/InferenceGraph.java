package org.delineo.training.train;

import java.util.Arrays;
import org.delineo.graph.GraphContext;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.SegmentationModel;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A forward pass from raw images: placeholder {@code [-1, (D,) H, W, C]} (spatial sizes dynamic),
 * normalisation in the graph, the model in the context's mode, logits and arg-max classes. The
 * evaluation path of training, {@code eval} and {@code export} all build this.
 *
 * @param image the raw-image placeholder
 * @param logits class logits, classes last
 * @param predictions arg-max class per pixel
 */
public record InferenceGraph(Placeholder<TFloat32> image, Operand<TFloat32> logits, Operand<TInt32> predictions) {

  /** Builds the pass in {@code ctx} (EVAL or PREDICT mode) with the placeholder named {@code name}. */
  public static InferenceGraph build(GraphContext ctx, SegmentationModel model,
      InputNormalization normalization, int spatialRank, int channels, String name) {
    Ops tf = ctx.tf();
    long[] dims = new long[spatialRank + 2];
    Arrays.fill(dims, -1);
    dims[dims.length - 1] = channels;
    Placeholder<TFloat32> image = tf.withName(name).placeholder(TFloat32.class, Placeholder.shape(Shape.of(dims)));
    Operand<TFloat32> logits = model.apply(ctx, ModelInputs.of(normalization.apply(tf, image))).logits();
    return new InferenceGraph(image, logits, tf.math.argMax(logits, tf.constant(-1), TInt32.class));
  }
}
