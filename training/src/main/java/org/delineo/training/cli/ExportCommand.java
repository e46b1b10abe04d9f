package org.delineo.training.cli;

import java.util.List;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.proto.ExperimentConfig;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.image.DecodeImage;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint8;
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
      SegmentationModel model = experiment.model(classes, channels);
      InputNormalization normalization = InputNormalization.of(config.getData(), channels);
      InferenceGraph g = InferenceGraph.build(ctx, model, normalization, dataset.is3d() ? 3 : 2, channels, "image");
      if (dataset.is3d()) {
        return new PredictGraph(g.image(), g.logits());
      }
      // 2D models also take PNG/JPEG files ({"b64": ...} over REST), decoded in the graph, one per request.
      Ops tf = ctx.tf();
      Placeholder<TString> bytes = tf.withName("image_bytes").placeholder(TString.class,
          Placeholder.shape(Shape.of(-1)));
      Operand<TFloat32> decoded = tf.ensureShape(tf.expandDims(tf.dtypes.cast(
          tf.image.decodeImage(tf.reshape(bytes, tf.constant(new int[0])), TUint8.class,
              DecodeImage.channels((long) channels), DecodeImage.expandAnimations(false)),
          TFloat32.class), tf.constant(0)), Shape.of(1, -1, -1, channels));
      return new PredictGraph(g.image(), g.logits(), bytes,
          InferenceGraph.logits(ctx, model, normalization, 2, channels, decoded));
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
