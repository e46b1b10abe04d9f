package org.delineo.training.cli;

import java.io.File;
import java.io.PrintStream;
import java.util.Arrays;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * {@code delineo info}: the TensorFlow runtime this build loads, which native build (CPU or GPU) is on
 * the class path, whether oneDNN was requested, and whether a GPU actually executes ops.
 */
final class InfoCommand implements Command {

  @Override
  public String name() {
    return "info";
  }

  @Override
  public String summary() {
    return "show the TensorFlow runtime, native build, oneDNN setting and whether a GPU runs ops";
  }

  @Override
  public Options options() {
    return new Options();
  }

  @Override
  public int run(CommandLine line, PrintStream out) {
    out.println("java              " + System.getProperty("java.version"));
    out.println("tensorflow        " + TensorFlow.version());
    out.println("native build      " + nativeBuild());
    out.println("TF_ENABLE_ONEDNN_OPTS " + System.getenv().getOrDefault("TF_ENABLE_ONEDNN_OPTS", "(unset: oneDNN off)"));
    out.println("gpu executes ops  " + (gpuRuns() ? "yes (/device:GPU:0)" : "no (CPU only)"));
    return 0;
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
