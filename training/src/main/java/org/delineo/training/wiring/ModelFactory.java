package org.delineo.training.wiring;

import java.util.LinkedHashMap;
import java.util.Map;
import org.delineo.graph.GraphContext;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.Mode;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.SegmentationModel;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.delineo.proto.ModelConfig;

/** Builds one model family from its config; registered under the family's config name. */
public interface ModelFactory {

  /** One line for {@code delineo models}. */
  String summary();

  /**
   * The model of {@code config} for {@code numClasses} classes and {@code inChannels} input
   * channels (already resolved from the dataset when the config leaves them 0).
   */
  SegmentationModel create(ModelConfig config, int numClasses, int inChannels);

  /** The configuration whose parameter count {@code delineo models --params} reports. */
  ReferenceSetup reference();

  /**
   * Trainable parameters of the reference setup, built in TRAIN mode (auxiliary heads included,
   * as mmseg counts them); graph construction only.
   */
  default long referenceParameterCount() {
    return referenceParameterCounts().values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * {@link #referenceParameterCount} split by top-level module (the variable name up to its first
   * dot: {@code backbone}, {@code decode_head}, {@code auxiliary_head}, as mmseg's model tree), in
   * creation order; graph construction only.
   */
  default Map<String, Long> referenceParameterCounts() {
    ReferenceSetup ref = reference();
    long[] shape = new long[ref.inputShape().length + 1];
    shape[0] = -1;
    System.arraycopy(ref.inputShape(), 0, shape, 1, ref.inputShape().length);
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 0);
      SegmentationModel model = create(ref.config(), ref.numClasses(), (int) shape[shape.length - 1]);
      model.apply(ctx, ModelInputs.of(ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape)))));
      Map<String, Long> counts = new LinkedHashMap<>();
      for (ModelVariable<TFloat32> v : ctx.variables().trainable()) {
        String name = v.name();
        counts.merge(name.contains(".") ? name.substring(0, name.indexOf('.')) : name, v.size(), Long::sum);
      }
      return counts;
    }
  }

  /**
   * A reference configuration for parameter counts.
   *
   * @param config the model config
   * @param numClasses classes of the reference count
   * @param inputShape one input, without the batch axis, e.g. {@code [256, 256, 1]}
   */
  record ReferenceSetup(ModelConfig config, int numClasses, long[] inputShape) {}
}
