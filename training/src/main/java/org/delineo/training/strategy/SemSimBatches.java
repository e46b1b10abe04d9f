package org.delineo.training.strategy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.proto.DataConfig;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.data.pipeline.Batch;
import org.delineo.training.data.pipeline.BatchLoader;
import org.delineo.training.data.LabeledSplit;
import org.delineo.training.data.pipeline.LoaderPosition;
import org.delineo.training.data.pipeline.SemiSupervisedViews;
import org.delineo.training.strategy.PackedViews.Part;
import org.delineo.training.data.pipeline.SemiSupervisedViewsFactory;

/**
 * The batches of SemSim / UniMatch training: per iteration one labeled batch (weak view with
 * labels), one unlabeled batch (weak view, two strong views, two CutMix boxes) and one unlabeled
 * "mix" batch whose strong views are pasted into the unlabeled strong views inside the boxes (on
 * the CPU, as UniMatch does); the mix batch's weak view is fed too, so that the graph predicts the
 * pseudo-labels inside the boxes.
 *
 * <p>Feeds: {@code image} [B_l, H, W, C], {@code labels} [B_l, H, W], {@code u_weak},
 * {@code u_mix_weak}, {@code u_strong1}, {@code u_strong2} [B_u, H, W, C], {@code cutmix_box1},
 * {@code cutmix_box2} [B_u, H, W] (1 = pixel from the mix batch).
 *
 * <p>Loaders. The TRAIN split is cut into labeled and unlabeled cases by {@link LabeledSplit}
 * ({@code data.labeled_cases}, else {@code data.labeled_fraction}, seeded by the run seed). The
 * unlabeled loader is the primary one (seed offset 0): its position is what checkpoints save, and
 * an "epoch" is one pass over the unlabeled slices, as UniMatch's iteration count. The mix loader
 * (same ids, seed offset 1, so its own order and its own augmentation draws) and the labeled loader
 * (seed offset 2) advance exactly one batch per iteration too, so their positions are a function of
 * the number of iterations g = epoch · batchesPerEpoch + batch of the primary one: each starts at
 * (g div its batchesPerEpoch, g mod its batchesPerEpoch). A resumed run therefore sees the batches
 * an uninterrupted one would. When the labeled slices are fewer than a batch, their list is repeated
 * (UniMatch repeats the labeled ids to the unlabeled length for the same reason).
 */
public final class SemSimBatches implements StepBatchSource {
  /** Seed offset of the mix loader. */
  public static final long MIX_SEED_OFFSET = 1;
  /** Seed offset of the labeled loader. */
  public static final long LABELED_SEED_OFFSET = 2;

  private final BatchLoader labeled;
  private final BatchLoader unlabeled;
  private final BatchLoader mix;
  private final int channels;

  /**
   * @param labeled labeled weak views with labels
   * @param unlabeled packed unlabeled views ({@link PackedViews}), the primary loader
   * @param mix packed unlabeled views of the mix batch, same batch size as {@code unlabeled}
   * @param channels image channels C
   */
  public SemSimBatches(BatchLoader labeled, BatchLoader unlabeled, BatchLoader mix, int channels) {
    this.labeled = labeled;
    this.unlabeled = unlabeled;
    this.mix = mix;
    this.channels = channels;
  }

  /** The batches of the experiment in {@code data}, starting at {@code start} of the unlabeled loader. */
  public static SemSimBatches training(TrainingData data, LoaderPosition start) {
    ExperimentConfig config = data.config();
    DataConfig d = config.getData();
    LabeledSplit split = data.labeledSplit();
    if (split.unlabeled().isEmpty()) {
      throw new ConfigException("fields 'data.labeled_cases' / 'data.labeled_fraction': semi-supervised"
          + " training needs unlabeled cases; expected fewer labeled cases than the "
          + split.labeledCases().size() + " training cases, found all labeled");
    }
    SemiSupervisedViews views = SemiSupervisedViewsFactory.of(d, intensityMax(d));
    int bl = d.getBatchSize();
    int bu = unlabeledBatchSize(d);
    List<String> labeledIds = atLeast(split.labeled(), bl);
    long g = (long) start.epoch() * (split.unlabeled().size() / Math.max(1, bu)) + start.batch();
    BatchLoader u = data.loader(split.unlabeled(), PackedViews.unlabeled(views), bu, 0, start);
    BatchLoader m = data.loader(split.unlabeled(), PackedViews.unlabeled(views), bu, MIX_SEED_OFFSET,
        derived(g, split.unlabeled().size(), bu));
    BatchLoader l = data.loader(labeledIds, PackedViews.labeled(views), bl, LABELED_SEED_OFFSET,
        derived(g, labeledIds.size(), bl));
    return new SemSimBatches(l, u, m, data.dataset().channels());
  }

  /** Unlabeled samples per batch: {@code data.unlabeled_batch_size}, or the labeled batch size when 0. */
  public static int unlabeledBatchSize(DataConfig data) {
    return data.getUnlabeledBatchSize() > 0 ? data.getUnlabeledBatchSize() : data.getBatchSize();
  }

  /** 255 for raw 8-bit RGB (ISIC), 1 for the min-max scaled medical slices. */
  static float intensityMax(DataConfig data) {
    return data.getLayout() == DataConfig.Layout.ISIC ? 255f : 1f;
  }

  /** Where a loader over {@code ids} samples with batch {@code batch} stands after {@code g} batches. */
  static LoaderPosition derived(long g, int ids, int batch) {
    int perEpoch = ids / batch;
    if (perEpoch < 1) {
      throw new ConfigException("semsim batches: " + ids + " samples make no full batch of " + batch);
    }
    return new LoaderPosition((int) (g / perEpoch), (int) (g % perEpoch));
  }

  private static List<String> atLeast(List<String> ids, int n) {
    List<String> out = new ArrayList<>(ids);
    while (out.size() < n) {
      out.addAll(ids);
    }
    return out;
  }

  @Override
  public StepBatch next() {
    Batch l = labeled.next();
    Batch u = unlabeled.next();
    Batch m = mix.next();
    int[] s = u.imageShape();
    if (m.imageShape()[0] != s[0]) {
      throw new ShapeMismatchException("semsim mix batch: expected " + s[0] + " samples as the unlabeled"
          + " batch, found " + m.imageShape()[0]);
    }
    int[] view = {s[0], s[1], s[2], channels};
    int[] mask = {s[0], s[1], s[2]};
    float[] box1 = PackedViews.part(u, Part.BOX1, channels);
    float[] box2 = PackedViews.part(u, Part.BOX2, channels);
    Map<String, FeedArray> feeds = new LinkedHashMap<>();
    feeds.put(StepInputs.IMAGE, FeedArray.of(l.images(), l.imageShape()));
    feeds.put(StepInputs.LABELS, FeedArray.of(l.labels(), l.labelShape()));
    feeds.put(SemSimStrategy.U_WEAK, FeedArray.of(PackedViews.part(u, Part.WEAK, channels), view));
    feeds.put(SemSimStrategy.U_MIX_WEAK, FeedArray.of(PackedViews.part(m, Part.WEAK, channels), view));
    feeds.put(SemSimStrategy.U_STRONG1, FeedArray.of(paste(PackedViews.part(u, Part.STRONG1, channels),
        PackedViews.part(m, Part.STRONG1, channels), box1, channels), view));
    feeds.put(SemSimStrategy.U_STRONG2, FeedArray.of(paste(PackedViews.part(u, Part.STRONG2, channels),
        PackedViews.part(m, Part.STRONG2, channels), box2, channels), view));
    feeds.put(SemSimStrategy.CUTMIX_BOX1, FeedArray.of(box1, mask));
    feeds.put(SemSimStrategy.CUTMIX_BOX2, FeedArray.of(box2, mask));
    return new StepBatch(u.ids(), feeds);
  }

  /**
   * {@code own} with every pixel whose {@code box} value is 1 replaced by {@code mix}'s (all
   * channels): UniMatch's {@code img_u_s[box == 1] = img_u_s_mix[box == 1]}.
   *
   * @param own [N, H, W, C]
   * @param mix [N, H, W, C]
   * @param box [N, H, W], 0 or 1
   */
  public static float[] paste(float[] own, float[] mix, float[] box, int channels) {
    float[] out = own.clone();
    for (int i = 0; i < box.length; i++) {
      if (box[i] == 1f) {
        System.arraycopy(mix, i * channels, out, i * channels, channels);
      }
    }
    return out;
  }

  @Override
  public LoaderPosition position() {
    return unlabeled.state();
  }

  /** The three loaders are read one after the other, so their waits add up (capped at 1). */
  @Override
  public double waitFraction() {
    return Math.min(1.0, labeled.waitFraction() + unlabeled.waitFraction() + mix.waitFraction());
  }

  @Override
  public void resetWaitStats() {
    labeled.resetWaitStats();
    unlabeled.resetWaitStats();
    mix.resetWaitStats();
  }

  @Override
  public void close() {
    labeled.close();
    unlabeled.close();
    mix.close();
  }
}
