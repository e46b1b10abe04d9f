package org.delineo.training.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.training.data.io.DecodedImage;
import org.delineo.training.data.io.ImageReader;
import org.delineo.training.data.io.LabelMap;

/**
 * A 2D scene dataset of RGB images with label-id PNGs (255 = ignore), in one of two forms:
 *
 * <ul>
 *   <li>plain folders: {@code images/<id>.png|.jpg|.jpeg} and {@code labels/<id>.png}; splits
 *       from {@code splits/*.txt} or the seeded fallback of {@link DatasetSplits};
 *   <li>Cityscapes' own tree: {@code leftImg8bit/<split>/<city>/<id>_leftImg8bit.png} and {@code
 *       gtFine/<split>/<city>/<id>_gtFine_labelTrainIds.png} (the trainId PNGs that Cityscapes'
 *       scripts create); the {@code train}/{@code val}/{@code test} folders are the splits unless
 *       split files ({@code splits/*.txt} or given ones) exist.
 * </ul>
 *
 * <p>Class count and channels come from {@code dataset.txt} ({@code classes}, {@code channels})
 * when present, else 19 (Cityscapes trainIds) and 3. Samples are {@code [H, W, C]} with the raw
 * values {@link ImageReader} returns (0..255 for 8-bit images; normalisation is the augmentation
 * pipeline's job) and labels {@code [H, W]}; every label must be a class id or {@link
 * #IGNORE_LABEL}.
 */
public final class CityscapesLayout implements SegmentationDataset {
  /** Label value excluded from losses and metrics. */
  public static final int IGNORE_LABEL = 255;
  /** Number of Cityscapes training classes (trainIds 0..18). */
  public static final int CITYSCAPES_CLASSES = 19;

  private static final List<String> IMAGE_EXTENSIONS = List.of(".png", ".jpg", ".jpeg");
  private static final String LEFT_SUFFIX = "_leftImg8bit.png";
  private static final String LABEL_SUFFIX = "_gtFine_labelTrainIds.png";

  private record Files2d(Path image, Path label) {}

  private final Path root;
  private final Map<String, Files2d> entries;
  private final DatasetSplits splits;
  private final int numClasses;
  private final int channels;

  /** Opens the dataset with the standard split files and the default split seed. */
  public CityscapesLayout(Path root) {
    this(root, SplitFiles.standard(root), DatasetSplits.DEFAULT_SEED);
  }

  /**
   * Opens the dataset.
   *
   * @param splitFiles the files that define the splits when any exists
   * @param splitSeed seed of the fallback split when there are neither split files nor
   *     Cityscapes split folders
   * @throws DelineoException when the root has neither layout or file names collide
   */
  public CityscapesLayout(Path root, SplitFiles splitFiles, long splitSeed) {
    LayoutFiles.requireDirectory(root, "Cityscapes-style");
    this.root = root;
    DatasetInfo info = DatasetInfo.read(root).orElse(DatasetInfo.of(Map.of()));
    this.numClasses = info.intValue("classes", CITYSCAPES_CLASSES);
    this.channels = info.intValue("channels", 3);
    this.entries = new TreeMap<>();
    if (Files.isDirectory(root.resolve("images"))) {
      scanPlain(root);
      this.splits =
          DatasetSplits.resolve(splitFiles, new ArrayList<>(entries.keySet()), id -> id, splitSeed);
    } else if (Files.isDirectory(root.resolve("leftImg8bit"))) {
      Map<Split, List<String>> folders = scanCityscapes(root);
      this.splits = splitFiles.anyPresent()
          ? DatasetSplits.fromFiles(splitFiles, new ArrayList<>(entries.keySet()), id -> id)
          : DatasetSplits.of(folders, "leftImg8bit/{train,val,test} folders");
    } else {
      throw new DelineoException("Cityscapes-style dataset " + root
          + ": expected images/ + labels/ or leftImg8bit/ + gtFine/, found neither images/ nor"
          + " leftImg8bit/");
    }
  }

  private void scanPlain(Path root) {
    Path labels = root.resolve("labels");
    for (Path file : LayoutFiles.files(root.resolve("images"))) {
      String name = file.getFileName().toString();
      String lower = name.toLowerCase(Locale.ROOT);
      for (String ext : IMAGE_EXTENSIONS) {
        if (lower.endsWith(ext)) {
          String id = name.substring(0, name.length() - ext.length());
          Files2d previous = entries.put(id, new Files2d(file, labels.resolve(id + ".png")));
          if (previous != null) {
            throw new DelineoException("Cityscapes-style dataset " + root + ": two images for id '"
                + id + "': " + previous.image() + " and " + file);
          }
        }
      }
    }
  }

  private Map<Split, List<String>> scanCityscapes(Path root) {
    Map<Split, List<String>> folders = new EnumMap<>(Split.class);
    for (Split split : Split.values()) {
      String dirName = split.name().toLowerCase(Locale.ROOT);
      List<String> ids = new ArrayList<>();
      folders.put(split, ids);
      Path splitDir = root.resolve("leftImg8bit").resolve(dirName);
      if (!Files.isDirectory(splitDir)) {
        continue;
      }
      for (Path cityDir : LayoutFiles.subdirectories(splitDir)) {
        Path labelDir = root.resolve("gtFine").resolve(dirName).resolve(cityDir.getFileName());
        for (Path file : LayoutFiles.files(cityDir)) {
          String name = file.getFileName().toString();
          if (!name.endsWith(LEFT_SUFFIX)) {
            continue;
          }
          String id = name.substring(0, name.length() - LEFT_SUFFIX.length());
          Files2d previous = entries.put(id, new Files2d(file, labelDir.resolve(id + LABEL_SUFFIX)));
          if (previous != null) {
            throw new DelineoException("Cityscapes dataset " + root + ": two images for id '" + id
                + "': " + previous.image() + " and " + file);
          }
          ids.add(id);
        }
      }
    }
    return folders;
  }

  /** The dataset root. */
  public Path root() {
    return root;
  }

  /** Where the splits came from. */
  public DatasetSplits splits() {
    return splits;
  }

  @Override
  public String name() {
    return "cityscapes:" + root;
  }

  @Override
  public List<String> ids(Split split) {
    return splits.ids(split);
  }

  @Override
  public List<Path> files(String id) {
    Files2d files = entries.get(id);
    if (files == null) {
      throw new DelineoException(name() + ": unknown sample id '" + id + "'");
    }
    return List.of(files.image(), files.label());
  }

  @Override
  public Sample load(String id) {
    Files2d files = entries.get(id);
    if (files == null) {
      throw new DelineoException(name() + ": unknown sample id '" + id + "'");
    }
    if (!Files.isRegularFile(files.label())) {
      throw new DelineoException(name() + ": sample '" + id + "' has no label file; expected "
          + files.label());
    }
    DecodedImage image = ImageReader.read(files.image());
    if (image.channels() != channels) {
      throw new ShapeMismatchException(files.image() + ": expected " + channels
          + " channels, found " + image.channels());
    }
    LabelMap labels = ImageReader.readLabels(files.label());
    if (labels.height() != image.height() || labels.width() != image.width()) {
      throw new ShapeMismatchException(files.label() + ": expected size [H, W] = ["
          + image.height() + ", " + image.width() + "] like " + files.image() + ", found ["
          + labels.height() + ", " + labels.width() + "]");
    }
    LabelValues.checkClassIds(labels.labels(), files.label(), numClasses, IGNORE_LABEL);
    return new Sample(id, image.data(), new int[] {image.height(), image.width(), channels},
        labels.labels(), new int[] {image.height(), image.width()}, new double[] {1.0, 1.0});
  }

  @Override
  public int numClasses() {
    return numClasses;
  }

  @Override
  public int channels() {
    return channels;
  }

  @Override
  public boolean is3d() {
    return false;
  }
}
