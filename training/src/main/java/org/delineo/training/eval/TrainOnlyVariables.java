package org.delineo.training.eval;

import org.delineo.training.data.pipeline.InputNormalization;
import java.util.LinkedHashSet;
import java.util.Set;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.training.checkpoint.InitCheckpoint;
import org.tensorflow.Graph;

/**
 * The model variables only a TRAIN graph builds (auxiliary heads such as mmseg's
 * {@code auxiliary_head.*}): pretrained weights loaded into an EVAL or PREDICT graph carry them,
 * and strict loading must know them as train-only rather than unexpected. Found by building the
 * model once in TRAIN mode in a scratch graph (no loss, no optimizer) and comparing names.
 */
public final class TrainOnlyVariables {
  private TrainOnlyVariables() {}

  /**
   * The model variables of {@code model}'s TRAIN pass that {@code graph} (an EVAL / PREDICT graph of
   * the same model) lacks.
   */
  public static Set<String> of(Graph graph, SegmentationModel model, InputNormalization normalization,
      int spatialRank, int channels) {
    Set<String> names;
    try (Graph scratch = new Graph()) {
      InferenceGraph.build(GraphContext.create(scratch, Mode.TRAIN, 0), model, normalization, spatialRank, channels,
          "image");
      names = new LinkedHashSet<>(InitCheckpoint.modelVariables(scratch).keySet());
    }
    names.removeAll(InitCheckpoint.modelVariables(graph).keySet());
    return names;
  }
}
