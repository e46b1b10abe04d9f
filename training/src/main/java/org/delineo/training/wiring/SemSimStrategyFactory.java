package org.delineo.training.wiring;

import com.google.inject.Inject;
import com.google.inject.Key;
import com.google.inject.name.Named;
import com.google.inject.name.Names;
import org.delineo.losses.semsim.AffinityRefinement;
import org.delineo.losses.semsim.SemSimSettings;
import org.delineo.proto.DataConfig;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.SemSimConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.strategy.SemSimBatches;
import org.delineo.training.strategy.SemSimStrategy;
import org.delineo.training.strategy.SemSimTerms;
import org.delineo.training.strategy.TrainingStrategy;
import org.delineo.training.data.pipeline.SemiSupervisedViewsFactory;

/**
 * Builds {@link SemSimStrategy} from {@code strategy { semsim { ... } }} and the data section
 * (training size, batch sizes, ignore index). Which optional terms are on comes from the bindings
 * {@link #INTRA}, {@link #CROSS} and {@link #FP}, which the ablations {@code no-intra},
 * {@code no-cross} and {@code fixmatch-only} (all three off) override.
 */
final class SemSimStrategyFactory implements StrategyFactory {
  /** Whether L_intra is trained. */
  static final Key<Boolean> INTRA = Key.get(Boolean.class, Names.named("semsim.intra"));
  /** Whether L_cross is trained. */
  static final Key<Boolean> CROSS = Key.get(Boolean.class, Names.named("semsim.cross"));
  /** Whether L_fp is trained (still subject to {@code lambda_fp > 0}). */
  static final Key<Boolean> FP = Key.get(Boolean.class, Names.named("semsim.fp"));

  private final SemSimTerms terms;

  @Inject
  SemSimStrategyFactory(@Named("semsim.intra") Boolean intra, @Named("semsim.cross") Boolean cross,
      @Named("semsim.fp") Boolean featurePerturbation) {
    this.terms = new SemSimTerms(intra, cross, featurePerturbation);
  }

  @Override
  public TrainingStrategy create(ExperimentConfig config) {
    SemSimConfig s = config.getStrategy().getSemsim();
    SemSimSettings settings = new SemSimSettings(s.getTau(), s.getLambdaS(), s.getLambdaU(),
        s.getLambdaIntra(), s.getLambdaCross(), s.getR(), s.getSubRegions(), s.getLambdaFp(),
        s.getFpDropout(), s.getSoftPseudoLabels(), orientation(s.getAffinityOrientation()));
    DataConfig data = config.getData();
    int[] size = trainingSize(data);
    return new SemSimStrategy(settings, terms, size[0], size[1], data.getBatchSize(),
        SemSimBatches.unlabeledBatchSize(data), data.getIgnoreIndex());
  }

  /** The proto enum mapped onto the losses module's own (which has no protobuf dependency). */
  static AffinityRefinement.Orientation orientation(SemSimConfig.AffinityOrientation o) {
    return switch (o) {
      case ROW_AVERAGE -> AffinityRefinement.Orientation.ROW_AVERAGE;
      case PAPER_LITERAL -> AffinityRefinement.Orientation.PAPER_LITERAL;
      default -> throw new ConfigException(
          "field 'strategy.semsim.affinity_orientation': unknown value " + o);
    };
  }

  /** {@code data.crop_size}, or the layout's default (224 ISIC, 256 slices), as the views are resized to. */
  static int[] trainingSize(DataConfig data) {
    if (data.getCropSizeCount() == 0) {
      int n = data.getLayout() == DataConfig.Layout.ISIC
          ? SemiSupervisedViewsFactory.ISIC_SIZE : SemiSupervisedViewsFactory.SLICE_SIZE;
      return new int[] {n, n};
    }
    if (data.getCropSizeCount() != 2) {
      throw new ConfigException("field 'data.crop_size': semsim trains on 2D [H, W], found "
          + data.getCropSizeList());
    }
    return new int[] {data.getCropSize(0), data.getCropSize(1)};
  }
}
