package org.delineo.training.cli;

import org.delineo.training.data.pipeline.ModelDimensions;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.ArrayList;
import java.util.Arrays;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.proto.DataConfig;
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
import org.delineo.serving.NormalizedPath;
import org.delineo.serving.PredictGraph;
import org.delineo.serving.BatchingOptions;
import org.delineo.serving.SavedModelExporter;
import org.delineo.serving.ServingConfigWriter;
import org.delineo.serving.WarmupInput;
import org.delineo.training.config.ConfigException;
import org.delineo.training.data.Sample;
import org.delineo.training.data.Split;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.synth.SyntheticMedical2d;
import org.delineo.training.data.synth.SyntheticScenes2d;
import org.delineo.training.data.pipeline.DatasetFactory;
import org.delineo.training.eval.InferenceGraph;
import org.delineo.training.data.pipeline.InputNormalization;
import org.delineo.training.eval.ModelWeights;
import org.delineo.training.data.pipeline.NormalizationKind;
import org.delineo.training.eval.TestResize;
import org.delineo.training.eval.TestResizedModel;
import org.delineo.training.wiring.Experiment;

/**
 * {@code delineo export --config F (--checkpoint D | --weights FILE) [--base DIR] [--name NAME] [--version N]
 * [--label L]}: a SavedModel of the PREDICT graph (rebuilt without loss or optimizer, weights
 * restored from a checkpoint or a PyTorch state dict) under
 * {@code DIR/NAME/<version>}, written atomically. DIR defaults to {@code export.base_dir}, NAME to
 * {@code export.model_name}, else the experiment's {@code name}. The graph applies the dataset reader's
 * normalisation ({@link NormalizationKind}) before the model's, so clients send raw intensities;
 * where that normalisation is not NONE the export also has the signatures {@code normalize} and
 * {@code predict_normalized}, for clients that slide windows over a whole case.
 */
final class ExportCommand implements Command {
  /** The label a model's first export gets in models.config when no {@code --label} is given. */
  static final String STABLE_LABEL = "stable";
  /** Spatial size per axis of synthetic warm-up requests for dynamic-size exports (before rounding up to the stride). */
  static final int SYNTHETIC_WARMUP_SIZE = 64;

  /**
   * What an export wrote.
   *
   * @param dir the version directory
   * @param warmupSource where the warm-up requests came from, for the command's output
   */
  record Exported(Path dir, String warmupSource) {}

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
    WeightsOptions.addTo(o);
    o.addOption(Option.builder().longOpt("base").hasArg().argName("DIR")
        .desc("export base directory (default export.base_dir, \"exports\")").build());
    o.addOption(Option.builder().longOpt("name").hasArg()
        .desc("model name, a folder under --base (default export.model_name, else the config's name)").build());
    o.addOption(Option.builder().longOpt("version").hasArg().argName("N").desc("version (default: next integer)").build());
    o.addOption(Option.builder().longOpt("label").hasArg().argName("NAME")
        .desc("point this version label (e.g. stable, canary) at the new version in models.config;"
            + " other labels are kept (default: a new model's first version is labelled stable)").build());
    return o;
  }

  @Override
  public int run(CommandLine line, PrintStream out) {
    ExperimentConfig config = ConfigOptions.load(line);
    String version = line.getOptionValue("version");
    Exported e = export(config, WeightsOptions.source(line), base(line, config.getExport()),
        modelName(line, config), version == null ? null : Long.parseLong(version), line.getOptionValue("label"), out);
    out.println("exported SavedModel to " + e.dir());
    out.println(e.warmupSource());
    return 0;
  }

  /** {@code --base}, else {@code export.base_dir}. */
  private static Path base(CommandLine line, ExportConfig export) {
    String base = line.getOptionValue("base", export.getBaseDir());
    if (base.isEmpty()) {
      throw new ConfigException("field 'export.base_dir': expected the export base directory (or --base), found \"\"");
    }
    return Path.of(base);
  }

  /** {@code --name}, else {@code export.model_name}, else the experiment's name. */
  private static String modelName(CommandLine line, ExperimentConfig config) {
    String configured = config.getExport().getModelName().isEmpty() ? config.getName()
        : config.getExport().getModelName();
    return line.getOptionValue("name", configured);
  }

  /** As {@link #export(ExperimentConfig, Path, Path, String, Long, String, PrintStream)} without a label or report; returns the version directory. */
  static Path export(ExperimentConfig config, Path checkpoint, Path base, String name, Long version) {
    return export(config, checkpoint, base, name, version, null, null).dir();
  }

  /**
   * Exports the checkpoint (or a state dict file, {@link ModelWeights}) with warm-up requests built
   * from real samples of the dataset (validation split, else training split), or synthetic ones of
   * the signature's size when no dataset is configured or found or its splits are empty; then merges the model into {@code models.config}
   * ({@link ServingConfigWriter#mergeModelsConfig}: other models and existing labels are kept,
   * {@code label} is pointed at the new version) and writes {@code batching_parameters.txt}. A
   * state dict's load report goes to {@code report} (null: not printed).
   */
  static Exported export(ExperimentConfig config, Path checkpoint, Path base, String name, Long version,
      String label, PrintStream report) {
    SegmentationDataset dataset = openIfPresent(config.getData());
    boolean is3d = dataset != null ? dataset.is3d() : layoutIs3d(config.getData().getLayout());
    int classes = dataset != null ? ModelDimensions.numClasses(config, dataset) : layoutDefault(config, true);
    int channels = dataset != null ? ModelDimensions.inChannels(config, dataset) : layoutDefault(config, false);
    Experiment experiment = Experiment.create(config, List.of());
    if (!ModelWeights.isStateDict(checkpoint)) {
      return export(config, checkpoint, base, name, version, label, dataset, is3d, classes, channels, experiment);
    }
    // The exporter restores through the saver: the state dict becomes a scratch bundle first (a
    // strict-mode failure stops the command before anything is written under base).
    return ModelWeights.withBundle(checkpoint, experiment.model(classes, channels),
        InputNormalization.of(config.getData(), channels), is3d ? 3 : 2, channels, report,
        bundle -> export(config, bundle, base, name, version, label, dataset, is3d, classes, channels, experiment));
  }

  /** The export proper, from the checkpoint directory {@code checkpoint}. */
  private static Exported export(ExperimentConfig config, Path checkpoint, Path base, String name, Long version,
      String label, SegmentationDataset dataset, boolean is3d, int classes, int channels, Experiment experiment) {
    int spatialRank = is3d ? 3 : 2;
    long[] fixedSize = inputSize(config, spatialRank);
    int warmups = config.getExport().getWarmupRequests();
    SavedModelExporter exporter = new SavedModelExporter(checkpoint.resolve("variables").toString());
    String warmupSource = "no warm-up requests (export.warmup_requests: 0)";
    if (warmups > 0) {
      List<WarmupInput> inputs = dataset == null ? List.of() : warmupInputs(dataset, warmups, fixedSize);
      if (inputs.isEmpty()) {
        int divisor = experiment.model(classes, channels).sizeDivisor();
        inputs = List.of(WarmupInput.synthetic(syntheticWarmupShape(fixedSize, spatialRank, channels, divisor), 0));
        warmupSource = "warm-up: " + warmups + " synthetic request(s) of shape "
            + Arrays.toString(inputs.get(0).shape()) + " ("
            + (dataset == null ? "no dataset at data.root '" + config.getData().getRoot() + "'"
                : "no samples in the validation or training split") + ")";
      } else {
        warmupSource = "warm-up: " + warmups + " request(s) from " + inputs.size() + " dataset sample(s)";
      }
      exporter = exporter.withWarmup(inputs, warmups);
    }
    NormalizationKind raw = NormalizationKind.of(config.getData());
    // 2D models evaluated with data.test_resize carry the same resize in the graph (TestResizedModel).
    TestResize resize = TestResize.of(config.getData(), spatialRank);
    Exported exported = new Exported(exporter.export(base, name, version, ctx -> {
      SegmentationModel model = resize == null ? experiment.model(classes, channels)
          : new TestResizedModel(experiment.model(classes, channels), resize, channels);
      InputNormalization normalization = InputNormalization.of(config.getData(), channels);
      PredictGraph predict = input(ctx, model, raw, normalization, channels,
          fixedSize == null ? dynamic(spatialRank) : fixedSize);
      if (is3d) {
        return predict;
      }
      // 2D models also take PNG/JPEG files ({"b64": ...} over REST), decoded in the graph; all
      // images of one request must have the same size (EncodedImages). No mask: all modalities.
      Ops tf = ctx.tf();
      Placeholder<TString> bytes = tf.withName("image_bytes").placeholder(TString.class,
          Placeholder.shape(Shape.of(-1)));
      Operand<TFloat32> decoded = raw.apply(tf, EncodedImages.decode(tf, bytes, channels));
      return new PredictGraph(predict.image(), predict.logits(), bytes,
          InferenceGraph.logits(ctx, model, normalization, 2, channels, decoded), predict.modalityMask(),
          predict.normalizedPath());
    }), warmupSource);
    long written = Long.parseLong(exported.dir().getFileName().toString());
    ServingConfigWriter.mergeModelsConfig(base, name, written, label, STABLE_LABEL);
    ServingConfigWriter.writeBatchingParameters(base, new BatchingOptions(8, 2000, 2, 100));
    return exported;
  }

  /** The dataset of {@code data}, or null when {@code data.root} is unset or not a directory. */
  private static SegmentationDataset openIfPresent(DataConfig data) {
    if (data.getRoot().isEmpty() || !Files.isDirectory(Path.of(data.getRoot()))) {
      return null;
    }
    return DatasetFactory.open(data);
  }

  /** Whether models of {@code layout} are volumetric (only BraTS and its phantoms; slice sets train 2D models). */
  private static boolean layoutIs3d(DataConfig.Layout layout) {
    return layout == DataConfig.Layout.BRATS || layout == DataConfig.Layout.SYNTHETIC_BRATS3D;
  }

  /**
   * Without a dataset: {@code model.num_classes} / {@code model.in_channels} when set, else the
   * layout's standard class or channel count (the synthetic generators' defaults).
   */
  private static int layoutDefault(ExperimentConfig config, boolean classes) {
    int set = classes ? config.getModel().getNumClasses() : config.getModel().getInChannels();
    if (set > 0) {
      return set;
    }
    switch (config.getData().getLayout()) {
      case CITYSCAPES:
        return classes ? 19 : 3;
      case BRATS:
      case SYNTHETIC_BRATS3D:
        return 4;
      case SYNTHETIC_SCENES2D:
        return classes ? SyntheticScenes2d.CLASSES.size() : 3;
      case SYNTHETIC_MEDICAL2D:
        return classes ? SyntheticMedical2d.CLASSES.size() : 1;
      case ACDC:
        return classes ? 4 : 1;
      case ISIC:
        return classes ? 2 : 3;
      case PROMISE12:
        return classes ? 2 : 1;
      default:
        throw new ConfigException("field 'model." + (classes ? "num_classes" : "in_channels")
            + "': expected a positive value when exporting a " + config.getData().getLayout()
            + " model without its dataset (data.root '" + config.getData().getRoot() + "' not found), found 0");
    }
  }

  /** [-1, ..., -1] of {@code rank} entries: a dynamic spatial size. */
  private static long[] dynamic(int rank) {
    long[] d = new long[rank];
    Arrays.fill(d, -1);
    return d;
  }

  /**
   * The shape of a synthetic warm-up request: the fixed size, else {@value #SYNTHETIC_WARMUP_SIZE}
   * per axis rounded up to a multiple of the network stride; channels last.
   */
  static long[] syntheticWarmupShape(long[] fixedSize, int spatialRank, int channels, int divisor) {
    long[] shape = new long[spatialRank + 1];
    for (int i = 0; i < spatialRank; i++) {
      int d = Math.max(1, divisor);
      shape[i] = fixedSize != null ? fixedSize[i] : (long) Math.ceil(SYNTHETIC_WARMUP_SIZE / (double) d) * d;
    }
    shape[spatialRank] = channels;
    return shape;
  }

  /**
   * The placeholder {@code image} of size {@code [-1, (D,) H, W, C]} ({@code -1} on dynamic axes;
   * the inference graph pads to the network stride and crops back), the reader's normalisation
   * {@code raw} on it, then the model's. The mask, for multi-modal models, is optional exactly as
   * in {@link InferenceGraph#build} (all modalities present when not fed).
   *
   * <p>When {@code raw} is not NONE its statistics come from the request, so a client sliding
   * windows over a larger input would normalise each window on its own; the graph then also holds
   * the path of the signatures {@code normalize} ({@code raw} alone, on a placeholder of any
   * spatial size) and {@code predict_normalized} (the same model path as {@code image} minus
   * {@code raw}: {@code data.mean} / {@code data.std} still follow it, as in training, where the
   * reader normalises and the graph applies mean / std). Package-private for tests that export
   * a tiny model through this exact wiring.
   */
  static PredictGraph input(GraphContext ctx, SegmentationModel model, NormalizationKind raw,
      InputNormalization normalization, int channels, long[] spatial) {
    Ops tf = ctx.tf();
    Placeholder<TFloat32> image = tf.withName("image").placeholder(TFloat32.class,
        Placeholder.shape(Shape.of(imageDims(spatial, channels))));
    Operand<TBool> mask = model.takesModalityMask() ? maskInput(tf, image, channels, "modality_mask") : null;
    Operand<TFloat32> logits = InferenceGraph.logits(ctx, model, normalization, spatial.length, channels,
        raw.apply(tf, image), mask);
    PredictGraph predict = new PredictGraph(image, logits).withModalityMask(mask);
    if (raw == NormalizationKind.NONE) {
      return predict;
    }
    Placeholder<TFloat32> rawImage = tf.withName("normalize_image").placeholder(TFloat32.class,
        Placeholder.shape(Shape.of(imageDims(dynamic(spatial.length), channels))));
    Placeholder<TFloat32> normalizedImage = tf.withName("normalized_image").placeholder(TFloat32.class,
        Placeholder.shape(Shape.of(imageDims(spatial, channels))));
    Operand<TBool> normalizedMask = model.takesModalityMask()
        ? maskInput(tf, normalizedImage, channels, "normalized_modality_mask") : null;
    Operand<TFloat32> normalizedLogits = InferenceGraph.logits(ctx, model, normalization, spatial.length, channels,
        normalizedImage, normalizedMask);
    return predict.withNormalizedPath(new NormalizedPath(rawImage, raw.apply(tf, rawImage), normalizedImage,
        normalizedLogits, normalizedMask));
  }

  /** {@code [-1, spatial..., channels]}. */
  private static long[] imageDims(long[] spatial, int channels) {
    long[] dims = new long[spatial.length + 2];
    dims[0] = -1;
    System.arraycopy(spatial, 0, dims, 1, spatial.length);
    dims[dims.length - 1] = channels;
    return dims;
  }

  /** An optional bool {@code [-1, channels]} mask named {@code name}, all present (per image of {@code image}) when not fed. */
  private static Operand<TBool> maskInput(Ops tf, Operand<TFloat32> image, int channels, String name) {
    Operand<TInt32> batch = tf.slice(tf.shape(image), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
    Operand<TBool> allPresent = tf.fill(
        tf.concat(List.of(batch, tf.constant(new int[] {channels})), tf.constant(0)), tf.constant(true));
    return tf.withName(name).placeholderWithDefault(allPresent, Shape.of(-1, channels));
  }

  /**
   * The signature's spatial size from {@code export.input_size} (else {@code data.crop_size}), both
   * in the order training crops in: (H, W) for 2D, (D, H, W) for volumes; null for a dynamic size
   * (when {@code export.dynamic_size} is set, neither size is given, or a 2D model evaluates with
   * {@code data.test_resize} and no export.input_size: it resizes any input as evaluation does).
   */
  static long[] inputSize(ExperimentConfig config, int spatialRank) {
    ExportConfig export = config.getExport();
    List<Integer> size = export.getInputSizeCount() > 0 ? export.getInputSizeList() : config.getData().getCropSizeList();
    String field = export.getInputSizeCount() > 0 ? "export.input_size" : "data.crop_size";
    boolean resizes = spatialRank == 2 && config.getData().getTestResizeCount() > 0;
    if (export.getDynamicSize() || size.isEmpty() || (resizes && export.getInputSizeCount() == 0)) {
      return null;
    }
    if (size.size() != spatialRank) {
      throw new ConfigException("field '" + field + "' " + size + ": expected " + spatialRank
          + " values (" + (spatialRank == 3 ? "D, H, W" : "H, W") + ") for this dataset, found " + size.size());
    }
    for (int v : size) {
      if (v <= 0) {
        throw new ConfigException("field '" + field + "' " + size + ": expected positive sizes, found " + v);
      }
    }
    return size.stream().mapToLong(Integer::longValue).toArray();
  }

  /**
   * Up to {@code count} raw samples of the validation split (the training split if it is empty),
   * cut or zero-padded at their far end to {@code fixedSize} when the signature has one; empty when
   * both splits are.
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
