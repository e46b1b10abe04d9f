package org.delineo.training.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.ExportConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.export.ModelExport;
import org.delineo.training.data.pipeline.NormalizationKind;

/**
 * {@code delineo export (--checkpoint D | --weights FILE) [--config F] [--set k=v ...] [--base DIR]
 * [--name NAME] [--version N] [--label L]}: a SavedModel of the PREDICT graph (rebuilt without loss or
 * optimizer, weights restored from a checkpoint or a PyTorch state dict) under
 * {@code DIR/NAME/<version>}, written atomically ({@link ModelExport}). The graph applies the
 * dataset reader's normalisation ({@link NormalizationKind}) before the model's, so clients send
 * raw intensities; where that normalisation is not NONE the export also has the signatures
 * {@code normalize} and {@code predict_normalized}, for clients that slide windows over a whole
 * case. The config defaults to the one stored with the checkpoint ({@link CheckpointConfigOptions}),
 * and the version carries it and the provenance in {@code assets.extra/delineo}.
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
    Options o = CheckpointConfigOptions.addTo(new Options());
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
    Path weights = WeightsOptions.source(line);
    ExperimentConfig config = CheckpointConfigOptions.load(line, weights);
    String version = line.getOptionValue("version");
    ModelExport.Exported e = ModelExport.export(config, weights, base(line, config.getExport()),
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
}
