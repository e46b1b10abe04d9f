package org.delineo.training.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.brats.ModalityMasks;
import org.delineo.training.metrics.ConfusionMatrix;
import org.delineo.training.metrics.EmptyMaskRule;
import org.delineo.training.metrics.ModalityMaskTable;
import org.tensorflow.Session;

/**
 * The periodic validation of a training run. By default each validation case is predicted once
 * ({@link Evaluator}, all modalities present). With {@code eval.all_modality_masks} each case is
 * predicted under every one of the 15 BraTS modality masks ({@link ModalityMaskEvaluation}, empty
 * rule {@link EmptyMaskRule#BRATS}, as {@code delineo eval}'s table): the confusion matrix then
 * pools all 15 predictions of every case, and the BraTS region scores averaged over the masks are
 * reported beside it, so a run that must do well with missing modalities selects its checkpoints
 * by that.
 */
public final class Validation {
  private static final int[] ALL_MASKS = IntStream.range(0, ModalityMasks.COUNT).toArray();

  /**
   * What one validation measured.
   *
   * @param matrix the confusion matrix of every prediction made
   * @param masks the 15-mask table, or null when only the all-modalities prediction was scored
   */
  public record Result(ConfusionMatrix matrix, ModalityMaskTable masks) {
    /** The mask-averaged region scores keyed {@code prefix/<column>}; empty without masks. */
    public Map<String, Double> maskMetrics(String prefix) {
      return masks == null ? Map.of() : masks.summary(prefix);
    }

    /** Every metric keyed {@code prefix/<name>}: the matrix's summary, then {@link #maskMetrics}. */
    public Map<String, Double> metrics(String prefix) {
      Map<String, Double> all = new LinkedHashMap<>(matrix.summary(prefix));
      all.putAll(maskMetrics(prefix));
      return all;
    }

    /** One line of the mask-averaged region scores for the console; empty without masks. */
    public String describeMasks() {
      if (masks == null) {
        return "";
      }
      return "average over the " + masks.maskNames().size() + " modality masks (Dice %, HD95 mm): "
          + masks.summary("").entrySet().stream()
              .map(e -> e.getKey() + " " + String.format(Locale.ROOT, "%.2f", e.getValue()))
              .collect(Collectors.joining(", "));
    }
  }

  private final Evaluator evaluator;
  private final ModalityMaskEvaluation maskEvaluation;
  private final int classes;
  private final int ignoreIndex;

  private Validation(Evaluator evaluator, ModalityMaskEvaluation maskEvaluation, int classes, int ignoreIndex) {
    this.evaluator = evaluator;
    this.maskEvaluation = maskEvaluation;
    this.classes = classes;
    this.ignoreIndex = ignoreIndex;
  }

  /**
   * The validation {@code config} asks for on {@code graph}, the evaluation pass of {@code model}.
   *
   * @throws ConfigException when {@code eval.all_modality_masks} is set for a model that takes no
   *     modality masks, or a setting of {@link Evaluator#of} / {@link ModalityMaskEvaluation#of} is
   *     malformed
   */
  public static Validation of(InferenceGraph graph, ExperimentConfig config, SegmentationModel model, int classes) {
    int ignore = config.getData().getIgnoreIndex();
    if (!config.getEval().getAllModalityMasks()) {
      return new Validation(Evaluator.of(graph, config, classes, model.requiredInputSize()), null, classes, ignore);
    }
    if (graph.modalityMask() == null) {
      throw new ConfigException("field 'eval.all_modality_masks': expected a model that takes modality masks"
          + " (prism_rfnet), found '" + model.name() + "', which does not");
    }
    return new Validation(null,
        ModalityMaskEvaluation.of(graph, config, model.requiredInputSize(), classes, EmptyMaskRule.BRATS),
        classes, ignore);
  }

  /** Predicts and scores {@code ids} of {@code dataset} (labelled samples). */
  public Result run(Session session, SegmentationDataset dataset, List<String> ids) {
    if (maskEvaluation == null) {
      return new Result(evaluator.evaluate(session, dataset, ids), null);
    }
    ConfusionMatrix pooled = new ConfusionMatrix(classes, ignoreIndex);
    ModalityMaskTable table = maskEvaluation.evaluate(session, dataset, ids, ALL_MASKS, pooled);
    return new Result(pooled, table);
  }
}
