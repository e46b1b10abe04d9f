package org.delineo.training.cli;

import java.util.List;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.delineo.proto.ExperimentConfig;
import org.delineo.serving.PredictGraph;
import org.delineo.serving.BatchingOptions;
import org.delineo.serving.SavedModelExporter;
import org.delineo.serving.ServingConfigWriter;
import org.delineo.serving.ServingVersionPolicy;
import org.delineo.serving.WarmupInput;
import org.delineo.training.data.Sample;
import org.delineo.training.data.Split;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.train.DatasetFactory;
import org.delineo.training.train.InferenceGraph;
import org.delineo.training.train.InputNormalization;
import org.delineo.training.train.Trainer;
import org.delineo.training.wiring.Experiment;

/**
 * {@code delineo export --config F --checkpoint D --base DIR --name NAME [--version N]}: a SavedModel
 * of the PREDICT graph (rebuilt without loss or optimizer, weights restored) under
 * {@code DIR/NAME/<version>}, written atomically.
 */
final class ExportCommand implements Command {

  @Override
  public String name() {
    return "export";
  }

  @Override
  public String summary() {
    return "export a checkpoint as a SavedModel (serving_default: image -> probabilities, labels)";
  }

  @Override
  public Options options() {
    Options o = ConfigOptions.addTo(new Options(), true);
    o.addOption(Option.builder().longOpt("checkpoint").hasArg().argName("DIR").required()
        .desc("checkpoint directory (runs/<run>/checkpoints/ckpt-N)").build());
    o.addOption(Option.builder().longOpt("base").hasArg().argName("DIR").required().desc("export base directory").build());
    o.addOption(Option.builder().longOpt("name").hasArg().required().desc("model name (a folder under --base)").build());
    o.addOption(Option.builder().longOpt("version").hasArg().argName("N").desc("version (default: next integer)").build());
    return o;
  }

  @Override
  public int run(CommandLine line, PrintStream out) {
    ExperimentConfig config = ConfigOptions.load(line);
    String version = line.getOptionValue("version");
    Path dir = export(config, Path.of(line.getOptionValue("checkpoint")), Path.of(line.getOptionValue("base")),
        line.getOptionValue("name"), version == null ? null : Long.parseLong(version));
    out.println("exported SavedModel to " + dir);
    return 0;
  }

  /**
   * Exports the checkpoint with warm-up requests built from real validation samples, then writes
   * {@code models.config} (latest version of every model under {@code base}) and
   * {@code batching_parameters.txt} beside the models; returns the version directory written.
   */
  static Path export(ExperimentConfig config, Path checkpoint, Path base, String name, Long version) {
    SegmentationDataset dataset = DatasetFactory.open(config.getData());
    int classes = Trainer.numClasses(config, dataset);
    int channels = Trainer.inChannels(config, dataset);
    Experiment experiment = Experiment.create(config, List.of());
    int warmups = config.getExport().getWarmupRequests();
    SavedModelExporter exporter = new SavedModelExporter(checkpoint.resolve("variables").toString());
    if (warmups > 0) {
      exporter = exporter.withWarmup(warmupInputs(dataset, warmups), warmups);
    }
    Path dir = exporter.export(base, name, version, ctx -> {
      InferenceGraph g = InferenceGraph.build(ctx, experiment.model(classes, channels),
          InputNormalization.of(config.getData(), channels), dataset.is3d() ? 3 : 2, channels, "image");
      return new PredictGraph(g.image(), g.logits());
    });
    new ServingConfigWriter(ServingVersionPolicy.latest(1)).writeModelsConfig(base);
    ServingConfigWriter.writeBatchingParameters(base, new BatchingOptions(8, 2000, 2, 100));
    return dir;
  }

  /** Up to {@code count} raw samples of the validation split (the training split if it is empty). */
  private static List<WarmupInput> warmupInputs(SegmentationDataset dataset, int count) {
    List<String> ids = dataset.ids(Split.VAL).isEmpty() ? dataset.ids(Split.TRAIN) : dataset.ids(Split.VAL);
    List<WarmupInput> inputs = new ArrayList<>();
    for (String id : ids.subList(0, Math.min(count, ids.size()))) {
      Sample s = dataset.load(id);
      inputs.add(new WarmupInput(Arrays.stream(s.imageShape()).asLongStream().toArray(), s.image()));
    }
    return inputs;
  }
}
