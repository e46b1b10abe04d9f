package org.delineo.training.strategy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.training.data.pipeline.Batch;

/**
 * Everything one training iteration feeds, by input name (the names a strategy gave its
 * {@link StepInputs}): e.g. {@code image}, {@code labels}, {@code modality_mask}, or the unlabeled
 * views of semi-supervised training and the meta batch of Meta-Drop.
 *
 * @param ids the ids of the (primary) samples, for error messages
 * @param feeds the values by input name
 */
public record StepBatch(List<String> ids, Map<String, FeedArray> feeds) {

  public StepBatch {
    ids = List.copyOf(ids);
    feeds = Map.copyOf(feeds);
  }

  /** The image and labels of a labelled batch under {@code image} and {@code labels}. */
  public static StepBatch of(Batch batch) {
    return new StepBatch(batch.ids(), Map.of(
        StepInputs.IMAGE, FeedArray.of(batch.images(), batch.imageShape()),
        StepInputs.LABELS, FeedArray.of(batch.labels(), batch.labelShape())));
  }

  /** This batch with {@code other}'s feeds added (other's win on equal names). */
  public StepBatch with(Map<String, FeedArray> other) {
    Map<String, FeedArray> all = new LinkedHashMap<>(feeds);
    all.putAll(other);
    return new StepBatch(ids, all);
  }
}
