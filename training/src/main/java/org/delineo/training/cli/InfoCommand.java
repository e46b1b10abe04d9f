package org.delineo.training.cli;

import java.io.File;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.delineo.graph.DelineoException;
import org.delineo.serving.ModelRecord;
import org.delineo.training.checkpoint.CheckpointManager;
import org.delineo.training.run.SessionFactory;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * {@code delineo info}: the TensorFlow runtime this build loads, which native build (CPU or GPU) is on
 * the class path, whether oneDNN was requested, the XLA flags (which {@code runtime.xla} needs), and
 * whether a GPU actually executes ops.
 *
 * <p>{@code delineo info --model DIR} (a SavedModel version directory) or {@code --checkpoint DIR}
 * instead says what a model is: the provenance and the resolved config it carries
 * ({@link ModelRecord}).
 */
final class InfoCommand implements Command {

  @Override
  public String name() {
    return "info";
  }

  @Override
  public String summary() {
    return "show the TensorFlow runtime, native build, oneDNN setting and whether a GPU runs ops;"
        + " with --model or --checkpoint, what a model is (its provenance and config)";
  }

  @Override
  public Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("model").hasArg().argName("DIR")
        .desc("print the provenance and config an exported SavedModel version carries").build());
    o.addOption(Option.builder().longOpt("checkpoint").hasArg().argName("DIR")
        .desc("print the provenance and config a checkpoint carries (ckpt-N, or .../checkpoints/best or latest)")
        .build());
    return o;
  }

  @Override
  public int run(CommandLine line, PrintStream out) {
    if (line.hasOption("model") && line.hasOption("checkpoint")) {
      throw new DelineoException("expected at most one of --model DIR and --checkpoint DIR, found both");
    }
    if (line.hasOption("model")) {
      printRecord(Path.of(line.getOptionValue("model")), "SavedModel", ModelRecord.SAVED_MODEL_FOLDER, out);
      return 0;
    }
    if (line.hasOption("checkpoint")) {
      printRecord(CheckpointManager.resolve(Path.of(line.getOptionValue("checkpoint"))), "checkpoint", "", out);
      return 0;
    }
    out.println("java              " + System.getProperty("java.version"));
    out.println("tensorflow        " + TensorFlow.version());
    out.println("native build      " + nativeBuild());
    out.println("TF_ENABLE_ONEDNN_OPTS " + System.getenv().getOrDefault("TF_ENABLE_ONEDNN_OPTS", "(unset: oneDNN off)"));
    out.println("TF_XLA_FLAGS      " + System.getenv().getOrDefault(SessionFactory.XLA_FLAGS,
        "(unset: runtime.xla needs " + SessionFactory.XLA_CPU_GLOBAL_JIT + ")"));
    out.println("gpu executes ops  " + (gpuRuns() ? "yes (/device:GPU:0)" : "no (CPU only)"));
    return 0;
  }

  /** Prints the record in {@code dir/folder}, provenance first; a model without one is an error. */
  private static void printRecord(Path dir, String kind, String folder, PrintStream out) {
    if (!Files.isDirectory(dir)) {
      throw new DelineoException(kind + " " + dir + " not found: expected a directory");
    }
    Path recordDir = folder.isEmpty() ? dir : dir.resolve(folder);
    ModelRecord record = ModelRecord.readFrom(recordDir).orElseThrow(() -> new DelineoException(kind + " " + dir
        + " carries no provenance: expected " + recordDir.resolve(ModelRecord.PROVENANCE_FILE) + " and "
        + ModelRecord.CONFIG_FILE + " (written by Delineo since models carry their config)"));
    out.println("provenance (" + recordDir.resolve(ModelRecord.PROVENANCE_FILE) + "):");
    out.println(record.provenanceJson().strip());
    out.println("config (" + recordDir.resolve(ModelRecord.CONFIG_FILE) + "):");
    out.println(record.configText().strip());
  }

  private static String nativeBuild() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(p -> p.contains("tensorflow-core-native") && p.contains("linux"))
        .map(p -> p.substring(p.lastIndexOf('/') + 1))
        .findFirst()
        .orElse("unknown");
  }

  /** Runs a tiny op pinned to the first GPU with soft placement off: it fails where no GPU exists. */
  private static boolean gpuRuns() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g).withDevice(org.tensorflow.DeviceSpec.newBuilder()
          .deviceType(org.tensorflow.DeviceSpec.DeviceType.GPU).deviceIndex(0).build());
      var product = tf.linalg.matMul(tf.constant(new float[][] {{1f}}), tf.constant(new float[][] {{2f}}));
      ConfigProto config = ConfigProto.newBuilder().setAllowSoftPlacement(false).build();
      try (Session s = new Session(g, config); Result r = s.runner().fetch(product).run()) {
        return ((TFloat32) r.get(0)).getFloat(0, 0) == 2f;
      }
    } catch (RuntimeException e) {
      return false;
    }
  }
}
