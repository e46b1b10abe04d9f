package org.delineo.training.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.serving.Logits;
import org.delineo.serving.PadMode;
import org.delineo.serving.Predictor;
import org.delineo.serving.RestPredictor;
import org.delineo.serving.SlidingWindowOptions;
import org.delineo.serving.WindowedInference;
import org.delineo.serving.rest.TfServingClient;
import org.delineo.training.data.BratsLayout;
import org.delineo.training.data.io.DecodedImage;
import org.delineo.training.data.io.ImageReader;
import org.delineo.training.data.io.ImageWriter;
import org.delineo.training.data.io.LabelMap;
import org.delineo.training.data.io.NiftiReader;
import org.delineo.training.data.io.NiftiVolume;
import org.delineo.training.data.io.NiftiWriter;
import org.delineo.training.data.io.NpyArray;
import org.delineo.training.data.io.NpyWriter;

/**
 * {@code delineo predict}: label maps for image (PNG/JPEG) and volume (NIfTI) files, from an exported
 * SavedModel in this JVM ({@code --model}) or from a TF Serving server ({@code --server}); with
 * either, an input larger than the model's fixed size (or than {@code --window}) is predicted in
 * sliding windows ({@link WindowedInference}: over REST, {@code normalize} once on the whole input,
 * then {@code predict_normalized} per batch of windows, where the export has them; {@link RestPredictor}). Writes {@code <name>_labels.png} or
 * {@code <name>_labels.nii.gz} (with the input's affine) and a coloured {@code <name>_overlay.png}.
 *
 * <p>An input that is a directory is a BraTS case, {@code <case>/<case>_{flair,t1ce,t1,t2}.nii.gz}
 * (or {@code .nii}): its modalities, raw, are stacked as channels in {@link BratsLayout#MODALITIES}
 * order (all of one shape) for a multi-modal model. All four are required unless
 * {@code --modalities} names the available ones or {@code --allow-missing} is given: an unavailable
 * modality is sent as zeros with {@code modality_mask} false (the model must take a mask), and the
 * output line says so. Labels are written in BraTS' stored convention (class 3 becomes 4, undoing
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
  /** Distinct overlay colours per class (0xRRGGBB); class 0 is left uncoloured. */
  private static final int[] PALETTE = {0x000000, 0xE6194B, 0x3CB44B, 0x4363D8, 0xFFE119, 0xF58231,
      0x911EB4, 0x46F0F0, 0xF032E6, 0xBCF60C, 0xFABEBE, 0x008080, 0xE6BEFF, 0x9A6324, 0xFFFAC8,
      0x800000, 0xAAFFC3, 0x808000, 0xFFD8B1, 0x000075};

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
   * One BraTS case directory: the available modalities stacked as channels (missing ones zeros),
   * the labels in stored convention with the first available modality's affine, and an overlay of
   * the middle axial slice over that modality.
   */
  private static String predictBratsCase(Path dir, Path outDir, Labeller labeller, LogitsSource logitsSource,
      boolean[] declared, boolean allowMissing) {
    String id = dir.getFileName().toString();
    List<String> names = BratsLayout.MODALITIES;
    NiftiVolume[] volumes = new NiftiVolume[names.size()];
    Path[] files = new Path[names.size()];
    int first = -1;
    for (int m = 0; m < names.size(); m++) {
      if (!declared[m]) {
        continue;
      }
      Optional<Path> file = BratsLayout.findCaseFile(dir, id, names.get(m));
      if (file.isEmpty()) {
        if (allowMissing) {
          continue;
        }
        throw new DelineoException("BraTS case " + dir + ": missing " + names.get(m) + " file "
            + dir.resolve(id + "_" + names.get(m) + ".nii.gz") + " (or .nii); expected "
            + String.join(", ", names) + " (give --allow-missing or --modalities to predict without it)");
      }
      files[m] = file.get();
      volumes[m] = NiftiReader.read(files[m]);
      if (volumes[m].rank() != 3) {
        throw new ShapeMismatchException(files[m] + ": expected a 3-D volume [nx, ny, nz], found dims "
            + Arrays.toString(volumes[m].dims()));
      }
      if (first < 0) {
        first = m;
      } else if (!Arrays.equals(volumes[m].dims(), volumes[first].dims())) {
        throw new ShapeMismatchException(files[m] + ": expected dims " + Arrays.toString(volumes[first].dims())
            + " like " + files[first] + ", found " + Arrays.toString(volumes[m].dims())
            + " (all modalities of a case must share one shape)");
      }
    }
    if (first < 0) {
      throw new DelineoException("BraTS case " + dir + ": no modality available; expected files "
          + id + "_{" + String.join(",", names) + "}.nii.gz" + (allowMissing ? "" : " among those declared"));
    }
    NiftiVolume reference = volumes[first];
    int[] s = reference.rowMajorShape();
    int voxels = reference.data().length;
    int channels = names.size();
    float[] image = new float[voxels * channels];
    boolean[] mask = new boolean[channels];
    List<String> missing = new ArrayList<>();
    for (int m = 0; m < channels; m++) {
      mask[m] = volumes[m] != null;
      if (!mask[m]) {
        missing.add(names.get(m));
        continue; // zeros, as training zeroes a missing modality
      }
      float[] data = volumes[m].data();
      for (int v = 0; v < voxels; v++) {
        image[v * channels + m] = data[v];
      }
    }
    // All present: no mask, so exports without modality_mask (4-channel models) work too.
    int[] shape = {s[0], s[1], s[2], channels};
    boolean[] fed = missing.isEmpty() ? null : mask;
    Logits logits = logitsSource == null ? null : logitsSource.of(image, shape, fed);
    int[] classes = labeller.labels(image, shape, fed);
    int[] toStored = BratsLayout.storedLabels();
    int[] labels = new int[classes.length];
    float[] asFloat = new float[classes.length];
    for (int i = 0; i < classes.length; i++) {
      if (classes[i] < 0 || classes[i] >= toStored.length) {
        throw new DelineoException("BraTS case " + dir + ": the model answered class " + classes[i]
            + "; expected a BraTS model with " + toStored.length + " classes (0..3)");
      }
      labels[i] = toStored[classes[i]];
      asFloat[i] = labels[i];
    }
    Path labelFile = outDir.resolve(id + "_labels.nii.gz");
    NiftiWriter.write(labelFile, new NiftiVolume(asFloat, reference.dims(), reference.spacing(), reference.affine(),
        (short) 2, 1f, 0f));
    int plane = s[1] * s[2];
    int mid = s[0] / 2;
    writeOverlay(outDir.resolve(id + "_overlay.png"),
        greyToRgb(Arrays.copyOfRange(reference.data(), mid * plane, (mid + 1) * plane)), s[1], s[2],
        Arrays.copyOfRange(labels, mid * plane, (mid + 1) * plane));
    return dir + " -> " + labelFile + (logits == null ? "" : logitsSource.write(id, logits))
        + (missing.isEmpty() ? "" : " (missing " + String.join(",", missing) + ": zeros, modality_mask false)");
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
      float[] asFloat = new float[labels.length];
      for (int i = 0; i < labels.length; i++) {
        asFloat[i] = labels[i];
      }
      Path labelFile = outDir.resolve(name + "_labels.nii.gz");
      NiftiWriter.write(labelFile, new NiftiVolume(asFloat, v.dims(), v.spacing(), v.affine(), (short) 2, 1f, 0f));
      int[] s = v.rowMajorShape();
      int plane = s[s.length - 1] * s[s.length - 2];
      int mid = s.length == 3 ? s[0] / 2 : 0;
      float[] slice = Arrays.copyOfRange(v.data(), mid * plane, (mid + 1) * plane);
      writeOverlay(outDir.resolve(name + "_overlay.png"), greyToRgb(slice), s[s.length - 2], s[s.length - 1],
          Arrays.copyOfRange(labels, mid * plane, (mid + 1) * plane));
      return file + " -> " + labelFile + (logits == null ? "" : logitsSource.write(name, logits));
    }
    DecodedImage image = ImageReader.read(file);
    int[] shape = {image.height(), image.width(), image.channels()};
    Logits logits = logitsSource == null ? null : logitsSource.of(image.data(), shape, null);
    int[] labels = labeller.labels(image.data(), shape, null);
    Path labelFile = outDir.resolve(name + "_labels.png");
    ImageWriter.writeLabelsPng(labelFile, new LabelMap(image.height(), image.width(), labels));
    float[] rgb = image.channels() == 3 ? image.data() : greyToRgb(image.data());
    writeOverlay(outDir.resolve(name + "_overlay.png"), rgb, image.height(), image.width(), labels);
    return file + " -> " + labelFile + (logits == null ? "" : logitsSource.write(name, logits));
  }

  /** Grey intensities rescaled to 0..255 and repeated over three channels. */
  private static float[] greyToRgb(float[] grey) {
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (float g : grey) {
      min = Math.min(min, g);
      max = Math.max(max, g);
    }
    float scale = max > min ? 255f / (max - min) : 0f;
    float[] rgb = new float[grey.length * 3];
    for (int i = 0; i < grey.length; i++) {
      float v = (grey[i] - min) * scale;
      rgb[3 * i] = v;
      rgb[3 * i + 1] = v;
      rgb[3 * i + 2] = v;
    }
    return rgb;
  }

  /** The image with each non-background class blended at 50 % in its palette colour. */
  private static void writeOverlay(Path file, float[] rgb, int h, int w, int[] labels) {
    float[] blended = new float[h * w * 3];
    for (int i = 0; i < h * w; i++) {
      int colour = labels[i] == 0 ? -1 : PALETTE[labels[i] % PALETTE.length];
      for (int c = 0; c < 3; c++) {
        float base = Math.max(0f, Math.min(255f, rgb[3 * i + c]));
        blended[3 * i + c] = colour < 0 ? base : Math.round(0.5f * base + 0.5f * ((colour >> (16 - 8 * c)) & 0xFF));
      }
    }
    ImageWriter.writePng(file, new DecodedImage(h, w, 3, blended));
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
