package org.delineo.training.cli;

import java.io.PrintStream;
import java.util.List;
import org.delineo.proto.AugmentationConfig;
import org.delineo.proto.DataConfig;
import org.delineo.training.data.pipeline.CropSizeCheck;
import org.delineo.training.data.pipeline.DatasetCheck;
import org.delineo.training.data.Split;
import org.delineo.training.data.pipeline.DatasetFactory;

/**
 * What {@code train} and {@code ablate} check before they create a run directory: that a synthetic
 * config's data folder exists ({@link SyntheticDataRecipe#requirePresent}), every file of
 * the training and validation splits ({@link DatasetCheck}, all bad files in one error) and the
 * crop against the training cases' sizes ({@link CropSizeCheck}). Prints one summary line and, when
 * the crop pads, one warning line.
 */
final class TrainingPreflight {
  private TrainingPreflight() {}

  /** Runs the checks on {@code data}'s dataset. */
  static void run(DataConfig data, PrintStream out) {
    SyntheticDataRecipe.requirePresent(data);
    DatasetCheck.Report report =
        DatasetCheck.run(DatasetFactory.open(data), List.of(Split.TRAIN, Split.VAL));
    out.println(report.summary());
    AugmentationConfig a = data.getAugmentation();
    CropSizeCheck.warning(data.getCropSizeList(), report.trainSizes(), data.getIgnoreIndex(),
        a.getScaleMin() != 1f || a.getScaleMax() != 1f).ifPresent(out::println);
  }
}
