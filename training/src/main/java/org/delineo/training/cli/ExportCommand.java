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
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TInt32;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.proto.ExportConfig;
import org.delineo.serving.EncodedImages;
import org.delineo.serving.ModelVersions;
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
  /** The version label models.config gives the exported model's latest version. */
  static final String STABLE_LABEL = "stable";

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
   * {@code models.config} (latest version of every model under {@code base}; this model's latest
   * labelled {@value #STABLE_LABEL}) and
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
      exporter = exporter.withWarmup(warmupInputs(dataset, warmups, inputSize(config, dataset.is3d() ? 3 : 2)), warmups);
    }
    int spatialRank = dataset.is3d() ? 3 : 2;
    long[] fixedSize = inputSize(config, spatialRank);
    Path dir = exporter.export(base, name, version, ctx -> {
      SegmentationModel model = experiment.model(classes, channels);
      InputNormalization normalization = InputNormalization.of(config.getData(), channels);
      PredictGraph predict = fixedSize == null
          ? dynamicInput(ctx, model, normalization, spatialRank, channels)
          : fixedInput(ctx, model, normalization, channels, fixedSize);
      if (dataset.is3d()) {
        return predict;
      }
      // 2D models also take PNG/JPEG files ({"b64": ...} over REST), decoded in the graph; all
      // images of one request must have the same size (EncodedImages). No mask: all modalities.
      Ops tf = ctx.tf();
      Placeholder<TString> bytes = tf.withName("image_bytes").placeholder(TString.class,
          Placeholder.shape(Shape.of(-1)));
      Operand<TFloat32> decoded = EncodedImages.decode(tf, bytes, channels);
      return new PredictGraph(predict.image(), predict.logits(), bytes,
          InferenceGraph.logits(ctx, model, normalization, 2, channels, decoded), predict.modalityMask());
    });
    // Every model serves its latest version; this one's is also labelled "stable", so clients can
    // pin /v1/models/NAME/labels/stable while a later export is rolled out and checked.
    long latest = ModelVersions.latest(base.resolve(name)).orElseThrow();
    new ServingConfigWriter(ServingVersionPolicy.latest(1))
        .withPolicy(name, ServingVersionPolicy.latest(1).withLabel(STABLE_LABEL, latest))
        .writeModelsConfig(base);
    ServingConfigWriter.writeBatchingParameters(base, new BatchingOptions(8, 2000, 2, 100));
    return dir;
  }

  /** Any spatial size: the inference graph pads to the network stride and crops back. */
  private static PredictGraph dynamicInput(GraphContext ctx, SegmentationModel model,
      InputNormalization normalization, int spatialRank, int channels) {
    InferenceGraph g = InferenceGraph.build(ctx, model, normalization, spatialRank, channels, "image");
    return new PredictGraph(g.image(), g.logits()).withModalityMask(g.modalityMask());
  }

  /**
   * A placeholder of the fixed size {@code [-1, (D,) H, W, C]}; the mask, for multi-modal models,
   * is optional exactly as in {@link InferenceGraph#build} (all modalities present when not fed).
   */
  private static PredictGraph fixedInput(GraphContext ctx, SegmentationModel model,
      InputNormalization normalization, int channels, long[] spatial) {
    Ops tf = ctx.tf();
    long[] dims = new long[spatial.length + 2];
    dims[0] = -1;
    System.arraycopy(spatial, 0, dims, 1, spatial.length);
    dims[dims.length - 1] = channels;
    Placeholder<TFloat32> image = tf.withName("image").placeholder(TFloat32.class, Placeholder.shape(Shape.of(dims)));
    Operand<TBool> mask = null;
    if (model.takesModalityMask()) {
      Operand<TInt32> batch = tf.slice(tf.shape(image), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
      Operand<TBool> allPresent = tf.fill(
          tf.concat(List.of(batch, tf.constant(new int[] {channels})), tf.constant(0)), tf.constant(true));
      mask = tf.withName("modality_mask").placeholderWithDefault(allPresent, Shape.of(-1, channels));
    }
    Operand<TFloat32> logits = InferenceGraph.logits(ctx, model, normalization, spatial.length, channels, image, mask);
    return new PredictGraph(image, logits).withModalityMask(mask);
  }

  /**
   * The signature's spatial size in placeholder order ((D,) H, W) from {@code export.input_size}
   * (else {@code data.crop_size}), both given as (H, W[, D]); null for a dynamic size (when
   * {@code export.dynamic_size} is set or neither size is given).
   */
  static long[] inputSize(ExperimentConfig config, int spatialRank) {
    ExportConfig export = config.getExport();
    List<Integer> size = export.getInputSizeCount() > 0 ? export.getInputSizeList() : config.getData().getCropSizeList();
    if (export.getDynamicSize() || size.isEmpty()) {
      return null;
    }
    if (size.size() != spatialRank) {
      throw new DelineoException("export input size " + size + ": expected " + spatialRank
          + " values (H, W" + (spatialRank == 3 ? ", D" : "") + ") for this dataset, found " + size.size());
    }
    for (int v : size) {
      if (v <= 0) {
        throw new DelineoException("export input size " + size + ": expected positive sizes, found " + v);
      }
    }
    return spatialRank == 2
        ? new long[] {size.get(0), size.get(1)}
        : new long[] {size.get(2), size.get(0), size.get(1)};
  }

  /**
   * Up to {@code count} raw samples of the validation split (the training split if it is empty),
   * cut or zero-padded at their far end to {@code fixedSize} when the signature has one.
   */
  private static List<WarmupInput> warmupInputs(SegmentationDataset dataset, int count, long[] fixedSize) {
    List<String> ids = dataset.ids(Split.VAL).isEmpty() ? dataset.ids(Split.TRAIN) : dataset.ids(Split.VAL);
    List<WarmupInput> inputs = new ArrayList<>();
    for (String id : ids.subList(0, Math.min(count, ids.size()))) {
      Sample s = dataset.load(id);
      long[] shape = Arrays.stream(s.imageShape()).asLongStream().toArray();
      inputs.add(fixedSize == null ? new WarmupInput(shape, s.image()) : fitTo(shape, s.image(), fixedSize));
    }
    return inputs;
  }

  /** Row-major {@code values} of {@code shape} ((D,) H, W, C) cut or zero-padded to {@code spatial}. */
  static WarmupInput fitTo(long[] shape, float[] values, long[] spatial) {
    long[] target = Arrays.copyOf(spatial, spatial.length + 1);
    target[spatial.length] = shape[shape.length - 1];
    int size = 1;
    for (long d : target) {
      size *= (int) d;
    }
    float[] out = new float[size];
    int[] index = new int[target.length];
    for (int i = 0; i < size; i++) {
      // index: the multi-index of output element i; copy it if it lies inside the source.
      int rest = i;
      for (int a = target.length - 1; a >= 0; a--) {
        index[a] = rest % (int) target[a];
        rest /= (int) target[a];
      }
      int src = 0;
      boolean inside = true;
      for (int a = 0; a < target.length && inside; a++) {
        inside = index[a] < shape[a];
        src = src * (int) shape[a] + index[a];
      }
      out[i] = inside ? values[src] : 0f;
    }
    return new WarmupInput(target, out);
  }
}
