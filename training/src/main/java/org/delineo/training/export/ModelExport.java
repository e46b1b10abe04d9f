package org.delineo.training.export;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.delineo.graph.DelineoException;
import org.delineo.training.config.ConfigException;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.proto.DataConfig;
import org.delineo.proto.ExperimentConfig;
import org.delineo.serving.BatchingOptions;
import org.delineo.serving.EncodedImages;
import org.delineo.serving.ModelRecord;
import org.delineo.serving.PredictGraph;
import org.delineo.serving.SavedModelExporter;
import org.delineo.serving.ServingConfigWriter;
import org.delineo.serving.WarmupInput;
import org.delineo.training.config.ExperimentConfigLoader;
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
import org.delineo.training.data.pipeline.ModelDimensions;
import org.delineo.training.wiring.Experiment;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;

/**
 * Exports an experiment's checkpoint (or a PyTorch state dict, {@link ModelWeights}) as a TF Serving
 * version: the PREDICT graph rebuilt without loss or optimizer, applying the dataset reader's
 * normalisation ({@link NormalizationKind}) before the model's so that clients send raw
 * intensities ({@link ExportInput}); warm-up requests ({@link WarmupSamples}); the resolved config
 * and the provenance in {@code assets.extra/delineo} ({@link ModelRecord}); then the model merged
 * into the base directory's {@code models.config} and {@code batching_parameters.txt} written.
 */
public final class ModelExport {
  /** The label a model's first export gets in models.config when no label is given. */
  public static final String STABLE_LABEL = "stable";

  /**
   * What an export wrote.
   *
   * @param dir the version directory
   * @param warmupSource where the warm-up requests came from, for the command's output
   */
  public record Exported(Path dir, String warmupSource) {}

  private ModelExport() {}

  /** As {@link #export(ExperimentConfig, Path, Path, String, Long, String, PrintStream)} without a label or report; returns the version directory. */
  public static Path export(ExperimentConfig config, Path checkpoint, Path base, String name, Long version) {
    return export(config, checkpoint, base, name, version, null, null).dir();
  }

  /**
   * Exports the checkpoint (or a state dict file, {@link ModelWeights}) with warm-up requests built
   * from real samples of the dataset (validation split, else training split), or synthetic ones of
   * the signature's size when no dataset is configured or found or its splits are empty; then merges the model into {@code models.config}
   * ({@link ServingConfigWriter#mergeModelsConfig}: other models and existing labels are kept,
   * {@code label} is pointed at the new version) and writes {@code batching_parameters.txt}. A
   * state dict's load report goes to {@code report} (null: not printed).
   *
   * @param config the resolved config (for a checkpoint that stores one, checked against it by the caller)
   */
  public static Exported export(ExperimentConfig config, Path checkpoint, Path base, String name, Long version,
      String label, PrintStream report) {
    SegmentationDataset dataset = openIfPresent(config.getData());
    boolean is3d = dataset != null ? dataset.is3d() : layoutIs3d(config.getData().getLayout());
    int classes = dataset != null ? ModelDimensions.numClasses(config, dataset) : layoutDefault(config, true);
    int channels = dataset != null ? ModelDimensions.inChannels(config, dataset) : layoutDefault(config, false);
    Experiment experiment = Experiment.create(config, List.of());
    boolean stateDict = ModelWeights.isStateDict(checkpoint);
    Optional<ModelRecord> stored = stateDict ? Optional.empty() : ModelRecord.readFrom(checkpoint);
    ModelRecord record = new ModelRecord(
        ExperimentConfigLoader.toText(ExperimentConfigLoader.withExplicitDefaults(config)),
        ExportProvenance.json(stored, experiment.modelName(), classes, channels, config.getData(), checkpoint, name));
    if (!stateDict) {
      return export(config, checkpoint, base, name, version, label, dataset, is3d, classes, channels, experiment,
          record);
    }
    // The exporter restores through the saver: the state dict becomes a scratch bundle first (a
    // strict-mode failure stops the command before anything is written under base).
    return ModelWeights.withBundle(checkpoint, experiment.model(classes, channels),
        InputNormalization.of(config.getData(), channels), is3d ? 3 : 2, channels, report,
        bundle -> export(config, bundle, base, name, version, label, dataset, is3d, classes, channels, experiment,
            record));
  }

  /** The export proper, from the checkpoint directory {@code checkpoint}. */
  private static Exported export(ExperimentConfig config, Path checkpoint, Path base, String name, Long version,
      String label, SegmentationDataset dataset, boolean is3d, int classes, int channels, Experiment experiment,
      ModelRecord record) {
    int spatialRank = is3d ? 3 : 2;
    long[] fixedSize = ExportInput.inputSize(config, spatialRank);
    int warmups = config.getExport().getWarmupRequests();
    SavedModelExporter exporter = new SavedModelExporter(checkpoint.resolve("variables").toString())
        .withRecord(record);
    String warmupSource = "no warm-up requests (export.warmup_requests: 0)";
    if (warmups > 0) {
      List<WarmupInput> inputs = dataset == null ? List.of() : WarmupSamples.fromDataset(dataset, warmups, fixedSize);
      if (inputs.isEmpty()) {
        int divisor = experiment.model(classes, channels).sizeDivisor();
        inputs = List.of(WarmupInput.synthetic(
            WarmupSamples.syntheticWarmupShape(fixedSize, spatialRank, channels, divisor), 0));
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
      PredictGraph predict = ExportInput.input(ctx, model, raw, normalization, channels,
          fixedSize == null ? ExportInput.dynamic(spatialRank) : fixedSize);
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
}
