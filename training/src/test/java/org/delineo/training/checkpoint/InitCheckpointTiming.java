package org.delineo.training.checkpoint;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.data.io.NpyArray;
import org.delineo.training.data.io.NpyWriter;
import org.delineo.training.optim.OptimizerFactory;
import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.train.TrainingGraph;
import org.delineo.training.wiring.Experiment;
import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.types.TFloat32;

/**
 * Manual timing harness (not a test): builds a config's full TRAIN graph at 19 classes, writes a
 * random PyTorch-layout state dict under exactly the model's names (once), and times
 * {@link InitCheckpoint#load} alone after {@code session.initialize()}.
 * Usage: {@code InitCheckpointTiming CONFIG NPZ REPEATS}.
 */
public final class InitCheckpointTiming {
  private InitCheckpointTiming() {}

  public static void main(String[] args) throws Exception {
    ExperimentConfig config = ExperimentConfigLoader.load(Path.of(args[0]), List.of());
    Path npz = Path.of(args[1]);
    int repeats = Integer.parseInt(args[2]);
    Experiment experiment = Experiment.create(config, List.of());
    for (int r = 0; r < repeats; r++) {
      try (Graph graph = new Graph()) {
        long t0 = System.nanoTime();
        TrainingGraph.build(graph, 1, experiment.model(19, 3), experiment.strategy(), experiment.optimizer(),
            OptimizerFactory.schedule(config.getOptimizer().getLr(), config.getSchedule()),
            InputNormalization.of(config.getData(), 3), 2, 3);
        Map<String, Output<TFloat32>> vars = InitCheckpoint.modelVariables(graph);
        if (!Files.exists(npz)) {
          write(npz, vars);
        }
        try (Session session = new Session(graph)) {
          session.initialize();
          long t1 = System.nanoTime();
          InitCheckpointReport report = InitCheckpoint.load(session, graph, npz, List.of(), true);
          long t2 = System.nanoTime();
          long params = 0;
          for (Output<TFloat32> v : vars.values()) {
            params += v.shape().size();
          }
          System.out.printf("%s: %d variables, %d parameters, graph %.1f s, load %.2f s (loaded %d)%n",
              config.getModel().getName(), vars.size(), params, (t1 - t0) / 1e9, (t2 - t1) / 1e9,
              report.loaded().size());
        }
      }
    }
  }

  /** Our layout → PyTorch's: HWIO → OIHW, [in, out] → [out, in]; random values. */
  private static void write(Path npz, Map<String, Output<TFloat32>> vars) throws Exception {
    SplittableRandom random = new SplittableRandom(7);
    Path tmp = Files.createTempFile("timing-", ".npy");
    try (OutputStream os = Files.newOutputStream(npz); ZipOutputStream zip = new ZipOutputStream(os)) {
      zip.setLevel(0);
      for (Map.Entry<String, Output<TFloat32>> e : vars.entrySet()) {
        long[] s = e.getValue().shape().asArray();
        int[] torch = new int[s.length];
        for (int i = 0; i < s.length; i++) {
          torch[i] = (int) s[i];
        }
        if (s.length == 4) {
          torch = new int[] {(int) s[3], (int) s[2], (int) s[0], (int) s[1]};
        } else if (s.length == 2) {
          torch = new int[] {(int) s[1], (int) s[0]};
        }
        float[] v = new float[(int) e.getValue().shape().size()];
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) random.nextDouble(-1, 1);
        }
        NpyWriter.write(tmp, NpyArray.ofFloats(v, torch));
        zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
        zip.write(Files.readAllBytes(tmp));
        zip.closeEntry();
      }
    }
    Files.delete(tmp);
  }
}
