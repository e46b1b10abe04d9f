package org.delineo.training.strategy;

import java.util.List;
import java.util.Map;
import org.delineo.training.data.pipeline.Batch;
import org.delineo.training.data.pipeline.BatchLoader;
import org.delineo.training.data.pipeline.LoaderPosition;

/**
 * Labelled training batches from one loader, with a modality mask per sample when the model takes
 * one. The mask of a sample is keyed by its running index over the whole run (batches before it
 * times the batch size plus its place; {@link BatchLoader#sampleDraw}), so it depends only on the
 * loader position, and a data-parallel worker draws the mask a single process would.
 */
public final class SupervisedBatches implements StepBatchSource {
  private final BatchLoader loader;
  private final ModalityMaskSource masks;
  private final String prefix;

  /**
   * @param masks modality masks, or null for single-modality data
   * @param prefix prepended to the feed names (empty for the main batch, e.g. {@code meta_})
   */
  public SupervisedBatches(BatchLoader loader, ModalityMaskSource masks, String prefix) {
    this.loader = loader;
    this.masks = masks;
    this.prefix = prefix;
  }

  /** The config's training batches of {@code data}, starting at {@code start}. */
  public static SupervisedBatches training(TrainingData data, LoaderPosition start) {
    return new SupervisedBatches(data.trainLoader(start), data.modalityMasks(), "");
  }

  @Override
  public StepBatch next() {
    LoaderPosition at = loader.state();
    Batch batch = loader.next();
    StepBatch b = StepBatch.of(batch);
    if (masks != null) {
      b = b.with(Map.of(StepInputs.MODALITY_MASK, maskArray(batch.ids(), at)));
    }
    return prefix.isEmpty() ? b : prefixed(b);
  }

  private FeedArray maskArray(List<String> ids, LoaderPosition at) {
    boolean[] first = masks.maskFor(ids.get(0), loader.sampleDraw(at, 0));
    int m = first.length;
    boolean[] all = new boolean[ids.size() * m];
    for (int i = 0; i < ids.size(); i++) {
      boolean[] mask = i == 0 ? first : masks.maskFor(ids.get(i), loader.sampleDraw(at, i));
      System.arraycopy(mask, 0, all, i * m, m);
    }
    return FeedArray.of(all, ids.size(), m);
  }

  private StepBatch prefixed(StepBatch b) {
    Map<String, FeedArray> renamed = new java.util.LinkedHashMap<>();
    b.feeds().forEach((k, v) -> renamed.put(prefix + k, v));
    return new StepBatch(b.ids(), renamed);
  }

  @Override
  public LoaderPosition position() {
    return loader.state();
  }

  @Override
  public double waitFraction() {
    return loader.waitFraction();
  }

  @Override
  public void resetWaitStats() {
    loader.resetWaitStats();
  }

  @Override
  public void close() {
    loader.close();
  }
}
