package org.delineo.training.strategy;

import java.util.List;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.data.augment.Augmentation;
import org.delineo.training.data.pipeline.BatchLoader;
import org.delineo.training.data.pipeline.DataShard;
import org.delineo.training.data.LabeledSplit;
import org.delineo.training.data.pipeline.LoaderPosition;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.delineo.training.data.augment.AugmentationFactory;

/**
 * What a strategy draws its training batches from: the experiment config, the dataset, and, for
 * multi-modal models, how modality masks are sampled.
 *
 * @param config the experiment
 * @param dataset the dataset
 * @param modalityMasks the modality masks of training samples, or null when the model takes none
 * @param shard the part of every batch this process trains on ({@link DataShard#WHOLE} unless
 *     data-parallel workers share each batch)
 */
public record TrainingData(ExperimentConfig config, SegmentationDataset dataset, ModalityMaskSource modalityMasks,
    DataShard shard) {

  /** The data of a single process, which trains on whole batches. */
  public TrainingData(ExperimentConfig config, SegmentationDataset dataset, ModalityMaskSource modalityMasks) {
    this(config, dataset, modalityMasks, DataShard.WHOLE);
  }

  /** Whether batches carry a {@code modality_mask}. */
  public boolean modalityMasked() {
    return modalityMasks != null;
  }

  /**
   * The config's training loader over the labelled TRAIN samples ({@link #labeledSplit()}) with the
   * training augmentation.
   */
  public BatchLoader trainLoader(LoaderPosition position) {
    return loader(labeledSplit().labeled(), AugmentationFactory.training(config.getData(), dataset.is3d()),
        config.getData().getBatchSize(), 0, position);
  }

  /**
   * The TRAIN split cut into labelled and unlabelled cases by {@code data.labeled_cases}, else
   * {@code data.labeled_fraction} (1 = every case labelled), seeded by the run seed: supervised
   * training on a label budget uses the same labelled cases as semi-supervised training.
   */
  public LabeledSplit labeledSplit() {
    return LabeledSplit.of(dataset, Split.TRAIN, config.getData().getLabeledCases(),
        config.getData().getLabeledFraction(), config.getRuntime().getSeed());
  }

  /**
   * A loader with the config's workers, prefetch and shuffling over {@code ids}, delivering this
   * process's {@link #shard} of every batch of {@code batchSize}.
   *
   * @param seedOffset added to the run seed so that a second loader draws its own order
   */
  public BatchLoader loader(List<String> ids, Augmentation augmentation, int batchSize, long seedOffset,
      LoaderPosition position) {
    return BatchLoader.builder(ids, dataset::load)
        .augmentation(augmentation)
        .batchSize(batchSize)
        .shard(shard)
        .workers(Math.max(1, config.getData().getNumWorkers()))
        .prefetch(Math.max(1, config.getData().getPrefetch()))
        .seed(config.getRuntime().getSeed() + seedOffset)
        .shuffle(config.getData().getShuffle())
        .dropLast(true)
        .startAt(position)
        .build();
  }
}
