package org.delineo.training.eval;

import org.delineo.training.data.pipeline.InputNormalization;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.io.SafeFiles;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.training.checkpoint.CheckpointManager;
import org.delineo.training.checkpoint.InitCheckpoint;
import org.delineo.training.checkpoint.InitCheckpointReport;
import org.tensorflow.Graph;
import org.tensorflow.Session;

/**
 * Where the weights of an EVAL or PREDICT graph come from: a Delineo checkpoint directory
 * ({@code ckpt-N}, restored by the saver), or a PyTorch state dict ({@code .npz} /
 * {@code .safetensors}) loaded by {@link InitCheckpoint} in strict mode, with the TRAIN-only
 * heads ({@link TrainOnlyVariables}) reported rather than failing. The state dict lets a user
 * evaluate or export reference weights without training first.
 */
public final class ModelWeights {
  private ModelWeights() {}

  /** Whether {@code path} names a PyTorch state dict file rather than a checkpoint directory. */
  public static boolean isStateDict(Path path) {
    String name = path.getFileName() == null ? "" : path.getFileName().toString();
    return name.endsWith(".npz") || name.endsWith(".safetensors");
  }

  /**
   * {@code file} checked as the value of {@code option}: an existing {@code .npz} or
   * {@code .safetensors} file, made absolute.
   *
   * @throws DelineoException naming the option when it is not
   */
  public static Path stateDict(Path file, String option) {
    if (!isStateDict(file)) {
      throw new DelineoException(option + ": expected a .npz or .safetensors state dict, found " + file);
    }
    if (!Files.isRegularFile(file)) {
      throw new DelineoException(option + ": state dict " + file + " not found");
    }
    return file.toAbsolutePath();
  }

  /**
   * Restores {@code session}'s graph (an EVAL or PREDICT graph of {@code model}) from
   * {@code source}: a state dict file (see the class comment) or a checkpoint directory.
   */
  public static void restore(Session session, Graph graph, Path source, SegmentationModel model,
      InputNormalization normalization, int spatialRank, int channels) {
    restore(session, graph, source, model, normalization, spatialRank, channels, null);
  }

  /**
   * As {@link #restore(Session, Graph, Path, SegmentationModel, InputNormalization, int, int)};
   * a state dict's load report ({@link InitCheckpointReport#format()}: loaded, train-only,
   * missing names) is printed to {@code report} unless that is null, so the user sees what the
   * file gave. A checkpoint directory prints nothing.
   */
  public static void restore(Session session, Graph graph, Path source, SegmentationModel model,
      InputNormalization normalization, int spatialRank, int channels, PrintStream report) {
    if (!isStateDict(source)) {
      CheckpointManager.restoreCheckpoint(session, source);
      return;
    }
    session.initialize();
    InitCheckpointReport loaded = InitCheckpoint.load(session, graph, source, List.of(), true,
        TrainOnlyVariables.of(graph, model, normalization, spatialRank, channels));
    if (report != null) {
      report.println(loaded.format());
    }
  }

  /**
   * Converts the state dict {@code file} into a scratch checkpoint directory holding a variables
   * bundle (the saver's format, for code that restores by prefix such as the SavedModel exporter),
   * applies {@code use} to it and deletes it. The conversion goes through an EVAL graph of
   * {@code model}, so names, layouts and strictness are those of {@link #restore}; the load report
   * goes to {@code report} (null: not printed).
   */
  public static <T> T withBundle(Path file, SegmentationModel model, InputNormalization normalization,
      int spatialRank, int channels, PrintStream report, Function<Path, T> use) {
    Path dir;
    try {
      dir = Files.createTempDirectory("delineo-weights-");
    } catch (IOException e) {
      throw new DelineoException("cannot create a scratch folder for " + file + ": " + e, e);
    }
    try {
      try (Graph graph = new Graph()) {
        InferenceGraph.build(GraphContext.create(graph, Mode.EVAL, 0), model, normalization, spatialRank, channels,
            "image");
        try (Session session = new Session(graph)) {
          restore(session, graph, file, model, normalization, spatialRank, channels, report);
          session.save(dir.resolve(CheckpointManager.VARIABLES_PREFIX).toString());
        }
      }
      return use.apply(dir);
    } finally {
      // A leftover scratch folder in the temporary directory is harmless.
      SafeFiles.deleteTreeQuietly(dir);
    }
  }
}
