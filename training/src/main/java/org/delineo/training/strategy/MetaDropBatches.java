package org.delineo.training.strategy;

import java.nio.file.Path;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.proto.DataConfig;
import org.delineo.proto.MetaDropConfig;
import org.delineo.proto.ModalityMaskMode;
import org.delineo.training.data.pipeline.BatchLoader;
import org.delineo.training.data.pipeline.LoaderPosition;
import org.delineo.training.data.Split;
import org.delineo.training.data.brats.ModalityMaskSampler;
import org.delineo.training.data.brats.ModalityMasks;
import org.delineo.training.data.brats.ModalitySplitCsv;
import org.delineo.training.data.augment.AugmentationFactory;
import org.delineo.training.config.ConfigException;

/**
 * The batches of Meta-Drop: the inner strategy's batches plus a meta batch under {@code meta_}
 * names from a second loader, with its own seed and its own modality-mask distribution
 * ({@code meta_mask_mode}):
 *
 * <ul>
 *   <li>{@code FULL}: only training cases whose available modalities are all four in the split
 *       CSV (every training case when no CSV is configured), every mask all-on — the reference;
 *   <li>{@code PDT}, {@code UTD}, {@code UTD_DROP}: every training case, masks drawn as
 *       {@link ModalityMaskSampler} does (UTD modes need {@code data.modality_split_csv}).
 * </ul>
 *
 * <p>Resume: the meta loader draws one batch per iteration, so its position is derived from the
 * main position: the iteration count k = epoch · B_main + batch (B_main = ⌊|TRAIN| / batch_size⌋,
 * the main loader's batches per epoch) gives epoch ⌊k / B_meta⌋ and batch k mod B_meta of the meta
 * loader. This assumes the inner strategy draws from the config's training loader (true for the
 * supervised and PRISM strategies).
 */
public final class MetaDropBatches implements StepBatchSource {
  /** Added to the run seed for the meta loader's order and its mask draws. */
  public static final long SEED_OFFSET = 0x6D657461L; // "meta"

  private final StepBatchSource main;
  private final StepBatchSource meta;

  /** @param meta feeds {@code meta_}-prefixed inputs (e.g. a {@link SupervisedBatches} with that prefix) */
  public MetaDropBatches(StepBatchSource main, StepBatchSource meta) {
    this.main = main;
    this.meta = meta;
  }

  /** The main batches plus the meta loader the config describes, both resumed at {@code start}. */
  static MetaDropBatches create(StepBatchSource main, TrainingData data, MetaDropConfig config,
      LoaderPosition start) {
    try {
      DataConfig d = data.config().getData();
      ModalityMaskMode mode = config.getMetaMaskMode();
      int modalities = data.dataset().channels();
      ModalitySplitCsv split = modalities == ModalityMasks.MODALITIES && !d.getModalitySplitCsv().isEmpty()
          ? ModalitySplitCsv.read(Path.of(d.getRoot()).resolve(d.getModalitySplitCsv()))
          : null;
      List<String> trainIds = data.dataset().ids(Split.TRAIN);
      List<String> ids = metaIds(trainIds, mode, split);
      int metaPerEpoch = ids.size() / config.getMetaBatchSize();
      if (metaPerEpoch == 0) {
        throw new ConfigException("field 'strategy.meta_drop.meta_batch_size': " + config.getMetaBatchSize()
            + " exceeds the " + ids.size() + " meta cases (meta_mask_mode " + mode + ")");
      }
      int mainPerEpoch = Math.max(1, trainIds.size() / Math.max(1, d.getBatchSize()));
      long seed = data.config().getRuntime().getSeed() + SEED_OFFSET;
      ModalityMaskSource masks = data.modalityMasked() ? metaMasks(mode, seed, split, modalities) : null;
      BatchLoader loader = data.loader(ids, AugmentationFactory.training(d, data.dataset().is3d()),
          config.getMetaBatchSize(), SEED_OFFSET, metaPosition(start, mainPerEpoch, metaPerEpoch));
      return new MetaDropBatches(main, new SupervisedBatches(loader, masks, MetaDropStrategy.META_PREFIX));
    } catch (RuntimeException e) {
      main.close();
      throw e;
    }
  }

  /**
   * The cases meta batches are drawn from: for {@code FULL} with a split, those whose CSV mask is
   * all four modalities; otherwise every training case.
   *
   * @throws DelineoException when FULL leaves no case
   */
  public static List<String> metaIds(List<String> trainIds, ModalityMaskMode mode, ModalitySplitCsv split) {
    if (mode != ModalityMaskMode.FULL || split == null) {
      return trainIds;
    }
    List<String> full = trainIds.stream().filter(id -> split.maskOf(id) == ModalityMasks.ALL).toList();
    if (full.isEmpty()) {
      throw new DelineoException("meta_mask_mode FULL: no training case has all four modalities in "
          + split.source() + " (" + trainIds.size() + " training cases)");
    }
    return full;
  }

  /**
   * The meta batch's masks: all-on for {@code FULL} and for data that is not four-modality BraTS,
   * else the sampler of {@code mode}.
   */
  public static ModalityMaskSource metaMasks(ModalityMaskMode mode, long seed, ModalitySplitCsv split,
      int modalities) {
    if (mode == ModalityMaskMode.FULL || modalities != ModalityMasks.MODALITIES) {
      return ModalityMaskSource.all(modalities);
    }
    ModalityMaskSampler sampler = new ModalityMaskSampler(mode, seed, split);
    return sampler::maskFor;
  }

  /** The meta loader's position after as many iterations as the main loader's {@code main} position. */
  public static LoaderPosition metaPosition(LoaderPosition main, int mainBatchesPerEpoch, int metaBatchesPerEpoch) {
    long iterations = (long) main.epoch() * mainBatchesPerEpoch + main.batch();
    return new LoaderPosition(Math.toIntExact(iterations / metaBatchesPerEpoch),
        (int) (iterations % metaBatchesPerEpoch));
  }

  @Override
  public StepBatch next() {
    StepBatch batch = main.next();
    return batch.with(meta.next().feeds());
  }

  /** The main loader's position (the meta position is derived from it on resume). */
  @Override
  public LoaderPosition position() {
    return main.position();
  }

  /** The two loaders' wait shares added (they are waited for one after the other), at most 1. */
  @Override
  public double waitFraction() {
    return Math.min(1.0, main.waitFraction() + meta.waitFraction());
  }

  @Override
  public void resetWaitStats() {
    main.resetWaitStats();
    meta.resetWaitStats();
  }

  @Override
  public void close() {
    try {
      meta.close();
    } finally {
      main.close();
    }
  }
}
