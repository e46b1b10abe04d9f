package org.delineo.training.cli;

import java.nio.file.Path;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.delineo.graph.DelineoException;
import org.delineo.training.checkpoint.CheckpointManager;
import org.delineo.training.eval.ModelWeights;

/**
 * The weights a command restores: {@code --checkpoint DIR} (a Delineo checkpoint, or a
 * {@code .npz} / {@code .safetensors} state dict) or {@code --weights FILE} (a state dict),
 * exactly one of them, so reference weights can be evaluated or exported without training.
 */
final class WeightsOptions {
  private WeightsOptions() {}

  /** Adds both options (neither required by the parser: {@link #source} checks that one is given). */
  static Options addTo(Options o) {
    o.addOption(Option.builder().longOpt("checkpoint").hasArg().argName("DIR")
        .desc("checkpoint directory (runs/<run>/checkpoints/ckpt-N, or .../checkpoints/best or latest);"
            + " a .npz or .safetensors file is read as --weights").build());
    o.addOption(Option.builder().longOpt("weights").hasArg().argName("FILE")
        .desc("PyTorch / mmseg state dict (.npz or .safetensors) instead of --checkpoint; names and layouts as"
            + " model.init_checkpoint, loaded strictly (train-only heads such as auxiliary_head are reported)")
        .build());
    return o;
  }

  /**
   * The absolute checkpoint directory or state dict file named on {@code line}.
   *
   * @throws DelineoException when neither or both options are given, or the file is not a state dict
   */
  static Path source(CommandLine line) {
    boolean checkpoint = line.hasOption("checkpoint");
    boolean weights = line.hasOption("weights");
    if (checkpoint == weights) {
      throw new DelineoException("expected exactly one of --checkpoint DIR and --weights FILE, found "
          + (checkpoint ? "both" : "neither"));
    }
    if (weights) {
      return ModelWeights.stateDict(Path.of(line.getOptionValue("weights")), "--weights");
    }
    Path path = Path.of(line.getOptionValue("checkpoint"));
    return ModelWeights.isStateDict(path) ? ModelWeights.stateDict(path, "--checkpoint")
        : CheckpointManager.resolve(path).toAbsolutePath();
  }
}
