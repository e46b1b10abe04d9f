package org.delineo.training.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.IntStream;
import org.delineo.graph.DelineoException;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.checkpoint.CheckpointManager;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.delineo.training.data.brats.ModalityMasks;
import org.delineo.training.data.pipeline.DatasetFactory;
import org.delineo.training.data.pipeline.ModelDimensions;
import org.delineo.training.eval.CheckpointEvaluation;
import org.delineo.training.metrics.BratsCaseScores;
import org.delineo.training.metrics.ConfusionMatrix;
import org.delineo.training.metrics.EmptyMaskRule;
import org.delineo.training.run.RunDirectory;
import org.delineo.training.run.ReplicaDevices;
import org.delineo.training.run.SessionFactory;
import org.delineo.training.train.Trainer;
import org.delineo.training.wiring.Experiment;

/**
 * One grid entry's run into {@code DIR/<entry>}, the same code for a sequential {@code ablate} and
 * for {@code ablate --index i}, so both give the same row:
 *
 * <ul>
 *   <li>an entry with a {@link EntryMarker done.json} is done: its recorded row is returned and
 *       nothing runs;
 *   <li>an entry whose directory holds a checkpoint but no marker was interrupted (killed,
 *       pre-empted, crashed): it resumes from its latest checkpoint as {@code train --resume}
 *       does (the config and ablations must equal the recorded ones); resumed training is
 *       bit-identical to uninterrupted training where ops are deterministic (CPU);
 *   <li>otherwise it trains fresh, as {@code train --workdir DIR/<entry> --ablate ...} does.
 * </ul>
 *
 * Then the run's best checkpoint is evaluated as {@code delineo eval} does and the marker is
 * written. A run that stops on a non-finite loss gets a marker with its error. Any other failure
 * becomes the returned row's error without a marker, so a re-run resumes the entry.
 */
final class AblationEntryRun {
  private final ExperimentConfig config;
  private final SegmentationDataset dataset;
  private final Split split;
  private final int numClasses;
  private final boolean modalityMasks;
  private final PrintStream out;

  /**
   * @param config the resolved config every entry trains with
   * @param dataset the config's dataset
   * @param split the split best checkpoints are evaluated on
   * @param numClasses the model's classes
   * @param modalityMasks whether the 15-mask average is evaluated (the model takes a modality mask)
   * @param out where progress goes
   */
  private AblationEntryRun(ExperimentConfig config, SegmentationDataset dataset, Split split, int numClasses,
      boolean modalityMasks, PrintStream out) {
    this.config = config;
    this.dataset = dataset;
    this.split = split;
    this.numClasses = numClasses;
    this.modalityMasks = modalityMasks;
    this.out = out;
  }

  /**
   * Checks and opens what every entry needs, before anything is written: the data files
   * ({@link TrainingPreflight}), the environment switches and tower devices of {@code runtime}, the
   * dataset, and the model's classes and modality-mask input.
   */
  static AblationEntryRun prepare(ExperimentConfig config, Split split, PrintStream out) {
    TrainingPreflight.run(config.getData(), out);
    SessionFactory.requireEnvironment(config.getRuntime());
    ReplicaDevices.resolve(config);
    SegmentationDataset dataset = DatasetFactory.open(config.getData());
    int numClasses = ModelDimensions.numClasses(config, dataset);
    boolean masks = Experiment.create(config, List.of())
        .model(numClasses, ModelDimensions.inChannels(config, dataset)).takesModalityMask()
        // The mask table refuses a test-time resize (it slides its own window); leave its columns out.
        && config.getData().getTestResizeCount() == 0;
    return new AblationEntryRun(config, dataset, split, numClasses, masks, out);
  }

  /** A table for this grid's rows (its class and mask columns). */
  AblationTable newTable() {
    return new AblationTable(numClasses, modalityMasks);
  }

  /**
   * Runs entry {@code index} into {@code runDir} (or returns its recorded row, see the class
   * comment).
   *
   * @return the entry's table row; its error is non-empty when the run failed
   */
  AblationTable.Row run(int index, AblationGrid.Entry entry, Path runDir) {
    Optional<EntryMarker> done = EntryMarker.read(runDir);
    if (done.isPresent()) {
      out.println(done.get().describe(runDir));
      return done.get().row();
    }
    long began = System.nanoTime();
    double seconds = Double.NaN;
    double loss = Double.NaN;
    try {
      boolean resume = CheckpointManager.latestIn(runDir.resolve(RunDirectory.CHECKPOINTS)).isPresent();
      if (resume) {
        out.println("resuming " + runDir + " from its latest checkpoint (no " + EntryMarker.FILE
            + ": its earlier run stopped before it finished)");
      }
      Trainer.Outcome outcome = TrainCommand.train(config, entry.ablations(), runDir.toString(), resume, out);
      seconds = (System.nanoTime() - began) / 1e9;
      loss = outcome.lastLoss();
      if (outcome.nonFiniteLoss()) {
        return finish(index, runDir, new AblationTable.Row(entry.directory(), null, null, seconds, loss,
            outcome.stopReason()));
      }
      // Evaluated with the run's ablations: an ablation may change the model's variables.
      Experiment experiment = Experiment.create(config, entry.ablations());
      Path checkpoint = bestCheckpoint(runDir.resolve(RunDirectory.CHECKPOINTS));
      out.println("evaluating " + checkpoint + " on " + split.name().toLowerCase(Locale.ROOT));
      ConfusionMatrix matrix = CheckpointEvaluation.run(experiment, dataset, checkpoint, split);
      BratsCaseScores maskAverage = null;
      if (modalityMasks) {
        int[] all = IntStream.range(0, ModalityMasks.COUNT).toArray();
        maskAverage = CheckpointEvaluation.modalityMasks(experiment, dataset, checkpoint, split, all,
            EmptyMaskRule.BRATS).average();
      }
      return finish(index, runDir, new AblationTable.Row(entry.directory(), matrix, maskAverage, seconds, loss, ""));
    } catch (RuntimeException e) {
      if (Double.isNaN(seconds)) {
        seconds = (System.nanoTime() - began) / 1e9;
      }
      String error = e instanceof DelineoException ? e.getMessage() : e.toString();
      out.println("run " + entry.directory() + " failed: " + error
          + " (no " + EntryMarker.FILE + " written: running the entry again resumes it)");
      return new AblationTable.Row(entry.directory(), null, null, seconds, loss, error);
    }
  }

  private AblationTable.Row finish(int index, Path runDir, AblationTable.Row row) {
    new EntryMarker(index, row, numClasses, modalityMasks).write(runDir);
    return row;
  }

  /** {@code checkpoints/best}, or {@code checkpoints/latest} when no checkpoint was ranked. */
  private static Path bestCheckpoint(Path checkpoints) {
    try {
      return CheckpointManager.resolve(checkpoints.resolve("best"));
    } catch (DelineoException noBest) {
      return CheckpointManager.resolve(checkpoints.resolve("latest"));
    }
  }
}
