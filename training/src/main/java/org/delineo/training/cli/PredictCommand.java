package org.delineo.training.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.delineo.graph.DelineoException;
import org.delineo.serving.Logits;
import org.delineo.serving.PadMode;
import org.delineo.serving.Predictor;
import org.delineo.serving.RestPredictor;
import org.delineo.serving.SlidingWindowOptions;
import org.delineo.serving.WindowedInference;
import org.delineo.serving.rest.TfServingClient;
import org.delineo.training.data.BratsLayout;
import org.delineo.training.data.brats.BratsCaseInput;
import org.delineo.training.data.io.DecodedImage;
import org.delineo.training.data.io.ImageReader;
import org.delineo.training.data.io.ImageWriter;
import org.delineo.training.data.io.LabelMap;
import org.delineo.training.data.io.NiftiReader;
import org.delineo.training.data.io.NiftiVolume;
import org.delineo.training.data.io.NiftiWriter;
import org.delineo.training.data.io.NpyArray;
import org.delineo.training.data.io.NpyWriter;
import org.delineo.training.data.io.Overlay;

/**
 * {@code delineo predict}: label maps for image (PNG/JPEG) and volume (NIfTI) files, from an exported
 * SavedModel in this JVM ({@code --model}) or from a TF Serving server ({@code --server}); with
 * either, an input larger than the model's fixed size (or than {@code --window}) is predicted in
 * sliding windows ({@link WindowedInference}: over REST, {@code normalize} once on the whole input,
 * then {@code predict_normalized} per batch of windows, where the export has them; {@link RestPredictor}).
 * Writes {@code <name>_labels.png} or {@code <name>_labels.nii.gz} (with the input's affine) and a
 * coloured {@code <name>_overlay.png} ({@link Overlay}).
 *
 * <p>An input that is a directory is a BraTS case, {@code <case>/<case>_{flair,t1ce,t1,t2}.nii.gz}
 * (or {@code .nii}): its modalities, raw, are stacked as channels in {@link BratsLayout#MODALITIES}
 * order (all of one shape) for a multi-modal model ({@link BratsCaseInput}). All four are required
 * unless {@code --modalities} names the available ones or {@code --allow-missing} is given: an
 * unavailable modality is sent as zeros with {@code modality_mask} false (the model must take a mask),
 * and the output line says so. Labels are written in BraTS' stored convention (class 3 becomes 4, undoing
 * training's 4 to 3) with the affine of the first available modality.
 *
 * <p>{@code --logits-out DIR} (with {@code --model}) also writes each input's raw class logits,
 * from the export's {@code predict_logits} in one model call with the same modality mask, as
 * {@code DIR/<name>_logits.npy} float32 in the input's layout plus a class axis
 * ({@code [H, W, K]}, {@code [D, H, W, K]}), for comparison with a reference implementation. An
 * input that would need sliding windows is refused ({@link Predictor#logits}), before any of its
 * files is written.
 */
final class PredictCommand implements Command {
  @Override
  public String name() {
    return "predict";
  }

  @Override
  public String summary() {
    return "label maps (+ overlays) for PNG/JPEG/NIfTI files and BraTS case directories from a SavedModel (--model) or TF Serving (--server)";
  }

  @Override
  public Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("model").hasArg().argName("DIR").desc("SavedModel version directory").build());
    o.addOption(Option.builder().longOpt("server").hasArg().argName("URL").desc("TF Serving REST base, e.g. http://host:8501").build());
    o.addOption(Option.builder().longOpt("name").hasArg().desc("model name on the server").build());
    o.addOption(Option.builder().longOpt("version").hasArg().argName("N").desc("model version on the server").build());
    o.addOption(Option.builder().longOpt("label").hasArg().desc("model version label on the server (e.g. stable)").build());
    o.addOption(Option.builder().longOpt("input").hasArgs().argName("FILES").required().desc("images, volumes or BraTS case directories").build());
    o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR").required().desc("output folder").build());
    o.addOption(Option.builder().longOpt("window").hasArg().argName("[d,]h,w")
        .desc("sliding-window size for models with dynamic input size, in data.crop_size's order:"
            + " h,w for 2D models, d,h,w for volumetric ones (default: whole input). Fixed-size models"
            + " slide windows of their size over larger inputs; with --model and --server alike (over REST:"
            + " normalize once on the whole input, then predict_normalized per batch of windows)").build());
    o.addOption(Option.builder().longOpt("overlap").hasArg()
        .desc("window overlap fraction (default 0.5); probabilities are averaged over overlapping windows").build());
    o.addOption(Option.builder().longOpt("modalities").hasArg().argName("LIST")
        .desc("BraTS case directories: the available modalities, e.g. flair,t1ce (the others are sent as zeros"
            + " with modality_mask false; default all of " + String.join(",", BratsLayout.MODALITIES) + ")").build());
    o.addOption(Option.builder().longOpt("logits-out").hasArg().argName("DIR")
        .desc("with --model: also write each input's raw logits as DIR/<name>_logits.npy (float32, the input's"
            + " layout plus a class axis); only for inputs the model takes in one call (no sliding windows)").build());
    o.addOption(Option.builder().longOpt("allow-missing")
        .desc("BraTS case directories: a missing modality file counts as an unavailable modality instead of an error")
        .build());
    return o;
  }

  /** The available modalities: --modalities, else all; each a known name. */
  private static boolean[] declaredModalities(CommandLine line) {
    boolean[] available = new boolean[BratsLayout.MODALITIES.size()];
    if (!line.hasOption("modalities")) {
      Arrays.fill(available, true);
      return available;
    }
    String text = line.getOptionValue("modalities");
    for (String name : text.split(",")) {
      int m = BratsLayout.MODALITIES.indexOf(name.trim().toLowerCase(Locale.ROOT));
      if (m < 0) {
        throw new DelineoException("option --modalities: expected names from "
            + String.join(",", BratsLayout.MODALITIES) + ", found '" + name.trim() + "' in '" + text + "'");
      }
      available[m] = true;
    }
    return available;
  }

  @Override
  public int run(CommandLine line, PrintStream out) throws Exception {
    if (line.hasOption("model") == line.hasOption("server")) {
      throw new DelineoException("give exactly one of --model DIR or --server URL --name NAME");
    }
    if (line.hasOption("logits-out") && !line.hasOption("model")) {
      throw new DelineoException("option --logits-out: expected --model DIR (logits come from the SavedModel in this"
          + " JVM), found --server");
    }
    Path outDir = Files.createDirectories(Path.of(line.getOptionValue("out")));
    Labeller labeller;
    LogitsSource logits = null;
    AutoCloseable resource = null;
    if (line.hasOption("model")) {
      Predictor predictor = Predictor.load(Path.of(line.getOptionValue("model")), windowOptions(line));
      resource = predictor;
      labeller = (image, shape, mask) -> predictor.predict(image, shape, mask).labels();
      if (line.hasOption("logits-out")) {
        Path logitsDir = Path.of(line.getOptionValue("logits-out"));
        logits = new LogitsSource(predictor, logitsDir);
      }
    } else {
      if (!line.hasOption("name")) {
        throw new DelineoException("--server needs --name, the model's name on the server");
      }
      TfServingClient.Builder b = TfServingClient.builder(line.getOptionValue("server"), line.getOptionValue("name"))
          .requestTimeout(Duration.ofSeconds(60));
      if (line.hasOption("version")) {
        b.version(Long.parseLong(line.getOptionValue("version")));
      }
      if (line.hasOption("label")) {
        b.label(line.getOptionValue("label"));
      }
      labeller = new RestPredictor(b.build(), "model '" + line.getOptionValue("name") + "' on "
          + line.getOptionValue("server"), windowOptions(line))::labels;
    }
    boolean[] declared = declaredModalities(line);
    boolean allowMissing = line.hasOption("allow-missing");
    try {
      for (String input : line.getOptionValues("input")) {
        Path path = Path.of(input);
        out.println(Files.isDirectory(path) ? predictBratsCase(path, outDir, labeller, logits, declared, allowMissing)
            : predictFile(path, outDir, labeller, logits));
      }
    } finally {
      if (resource != null) {
        resource.close();
      }
    }
    return 0;
  }

  /** Label ids for one raw image of shape ((D,) H, W, C); mask null = all modalities present. */
  @FunctionalInterface
  private interface Labeller {
    int[] labels(float[] image, int[] shape, boolean[] modalityMask);
  }

  /**
   * {@code --logits-out}: the predictor's logits of an input, computed before any of that input's
   * files is written (so a refused input leaves nothing behind), written after them.
   */
  private record LogitsSource(Predictor predictor, Path dir) {
    Logits of(float[] image, int[] shape, boolean[] mask) {
      return predictor.logits(image, shape, mask);
    }

    /** {@code dir/<name>_logits.npy}; the output line's suffix. */
    String write(String name, Logits logits) {
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new DelineoException("option --logits-out: cannot create folder " + dir + ": " + e.getMessage(), e);
      }
      Path file = dir.resolve(name + "_logits.npy");
      NpyWriter.write(file, NpyArray.ofFloats(logits.values(), logits.shapeWithClasses()));
      return ", " + file;
    }
  }

  /**
   * One BraTS case directory: the labels in stored convention with the first available modality's
   * affine, and an overlay of the middle axial slice over that modality.
   */
  private static String predictBratsCase(Path dir, Path outDir, Labeller labeller, LogitsSource logitsSource,
      boolean[] declared, boolean allowMissing) {
    BratsCaseInput input = BratsCaseInput.read(dir, declared, allowMissing);
    Logits logits = logitsSource == null ? null : logitsSource.of(input.image(), input.shape(), input.mask());
    int[] labels = input.storedLabels(labeller.labels(input.image(), input.shape(), input.mask()));
    Path labelFile = outDir.resolve(input.id() + "_labels.nii.gz");
    NiftiWriter.write(labelFile, input.reference().withLabels(labels));
    Overlay.writeMiddleSlice(outDir.resolve(input.id() + "_overlay.png"), input.reference(), labels);
    return dir + " -> " + labelFile + (logits == null ? "" : logitsSource.write(input.id(), logits))
        + (input.missing().isEmpty() ? "" : " (missing " + String.join(",", input.missing())
        + ": zeros, modality_mask false)");
  }

  private static String predictFile(Path file, Path outDir, Labeller labeller, LogitsSource logitsSource) {
    String name = file.getFileName().toString().replaceAll("(\\.nii\\.gz|\\.nii|\\.png|\\.jpe?g)$", "");
    String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (lower.endsWith(".nii") || lower.endsWith(".nii.gz")) {
      NiftiVolume v = NiftiReader.read(file);
      int[] shape = Arrays.copyOf(v.rowMajorShape(), v.rank() + 1);
      shape[v.rank()] = 1;
      Logits logits = logitsSource == null ? null : logitsSource.of(v.data(), shape, null);
      int[] labels = labeller.labels(v.data(), shape, null);
      Path labelFile = outDir.resolve(name + "_labels.nii.gz");
      NiftiWriter.write(labelFile, v.withLabels(labels));
      Overlay.writeMiddleSlice(outDir.resolve(name + "_overlay.png"), v, labels);
      return file + " -> " + labelFile + (logits == null ? "" : logitsSource.write(name, logits));
    }
    DecodedImage image = ImageReader.read(file);
    int[] shape = {image.height(), image.width(), image.channels()};
    Logits logits = logitsSource == null ? null : logitsSource.of(image.data(), shape, null);
    int[] labels = labeller.labels(image.data(), shape, null);
    Path labelFile = outDir.resolve(name + "_labels.png");
    ImageWriter.writeLabelsPng(labelFile, new LabelMap(image.height(), image.width(), labels));
    Overlay.write(outDir.resolve(name + "_overlay.png"), image, labels);
    return file + " -> " + labelFile + (logits == null ? "" : logitsSource.write(name, logits));
  }

  private static SlidingWindowOptions windowOptions(CommandLine line) {
    SlidingWindowOptions d = SlidingWindowOptions.defaults();
    int[] window = d.window();
    if (line.hasOption("window")) {
      String text = line.getOptionValue("window");
      try {
        // The same order as data.crop_size and Predictor: (H, W) or (D, H, W).
        window = Arrays.stream(text.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
      } catch (NumberFormatException e) {
        throw new DelineoException("option --window: expected h,w or d,h,w (integers, data.crop_size's order),"
            + " found '" + text + "'");
      }
    }
    double overlap = line.hasOption("overlap") ? Double.parseDouble(line.getOptionValue("overlap")) : d.overlap();
    return new SlidingWindowOptions(window, overlap, d.batchSize(), PadMode.ZERO);
  }
}
