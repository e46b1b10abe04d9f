package org.delineo.training.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * The ISIC-2018 lesion segmentation dataset (task 1): dermoscopy images {@code
 * ISIC2018_Task1-2_Training_Input/ISIC_XXXXXXX.jpg} with binary masks {@code
 * ISIC2018_Task1_Training_GroundTruth/ISIC_XXXXXXX_segmentation.png}. Samples are RGB {@code [H, W,
 * 3]} with raw 0..255 values (normalisation is the pipeline's job) and labels {@code [H, W]} where
 * mask value 0 is background (0) and 255 lesion (1); any other mask value is an error naming the
 * file. Two classes.
 *
 * <p>Sample ids are the image names without extension. Splits: {@code splits/*.txt}, else the
 * seeded fallback of {@link DatasetSplits} (SemSim's 1838 / 756 split must be given as files).
 */
public final class IsicLayout implements SegmentationDataset {
  /** Number of classes (background, lesion). */
  public static final int NUM_CLASSES = 2;
  /** Folder of the input images. */
  public static final String IMAGE_DIR = "ISIC2018_Task1-2_Training_Input";
  /** Folder of the ground-truth masks. */
  public static final String MASK_DIR = "ISIC2018_Task1_Training_GroundTruth";
  /** Suffix of a mask file after the image id. */
  public static final String MASK_SUFFIX = "_segmentation.png";

  private static final int MASK_FOREGROUND = 255;

  private final Path root;
  private final Map<String, Path> images;
  private final DatasetSplits splits;

  /** Opens the dataset with the standard split files and the default split seed. */
  public IsicLayout(Path root) {
    this(root, SplitFiles.standard(root), DatasetSplits.DEFAULT_SEED);
  }

  /**
   * Opens the dataset.
   *
   * @param splitFiles the files that define the splits when any exists
   * @param splitSeed seed of the fallback split when there are no split files
   * @throws DelineoException when the image folder is missing or holds no JPEG
   */
  public IsicLayout(Path root, SplitFiles splitFiles, long splitSeed) {
    LayoutFiles.requireDirectory(root, "ISIC-2018");
    Path imageDir = root.resolve(IMAGE_DIR);
    if (!Files.isDirectory(imageDir)) {
      throw new DelineoException("ISIC-2018 dataset " + root + ": expected the image folder "
          + imageDir + ", found none");
    }
    this.root = root;
    this.images = new TreeMap<>();
    for (Path file : LayoutFiles.files(imageDir)) {
      String name = file.getFileName().toString();
      String lower = name.toLowerCase(Locale.ROOT);
      if (lower.endsWith(".jpg") && name.startsWith("ISIC_")) {
        images.put(name.substring(0, name.length() - 4), file);
      }
    }
    if (images.isEmpty()) {
      throw new DelineoException("ISIC-2018 dataset " + root + ": expected ISIC_XXXXXXX.jpg images in "
          + imageDir + ", found none");
    }
    this.splits =
        DatasetSplits.resolve(splitFiles, new ArrayList<>(images.keySet()), id -> id, splitSeed);
  }

  /** The dataset root. */
  public Path root() {
    return root;
  }

  /** Where the splits came from. */
  public DatasetSplits splits() {
    return splits;
  }

  /** Where the mask of image {@code id} must be. */
  public Path maskFile(String id) {
    return root.resolve(MASK_DIR).resolve(id + MASK_SUFFIX);
  }

  @Override
  public String name() {
    return "isic:" + root;
  }

  @Override
  public List<String> ids(Split split) {
    return splits.ids(split);
  }

  @Override
  public List<Path> files(String id) {
    Path imageFile = images.get(id);
    if (imageFile == null) {
      throw new DelineoException(name() + ": unknown sample id '" + id + "'");
    }
    return List.of(imageFile, maskFile(id));
  }

  @Override
  public Sample load(String id) {
    Path imageFile = images.get(id);
    if (imageFile == null) {
      throw new DelineoException(name() + ": unknown sample id '" + id + "'");
    }
    Path maskFile = maskFile(id);
    if (!Files.isRegularFile(maskFile)) {
      throw new DelineoException("ISIC-2018 sample '" + id + "': missing mask; expected "
          + maskFile);
    }
    DecodedImage image = ImageReader.read(imageFile);
    if (image.channels() != 3) {
      throw new ShapeMismatchException(imageFile + ": expected an RGB image (3 channels), found "
          + image.channels());
    }
    LabelMap mask = ImageReader.readLabels(maskFile);
    if (mask.height() != image.height() || mask.width() != image.width()) {
      throw new ShapeMismatchException(maskFile + ": expected size [H, W] = [" + image.height()
          + ", " + image.width() + "] like " + imageFile + ", found [" + mask.height() + ", "
          + mask.width() + "]");
    }
    int[] stored = mask.labels();
    int[] labels = new int[stored.length];
    for (int i = 0; i < stored.length; i++) {
      int v = stored[i];
      if (v != 0 && v != MASK_FOREGROUND) {
        throw new DelineoException(maskFile + ": mask value " + v + " at pixel " + i
            + " is neither 0 (background) nor 255 (lesion)");
      }
      labels[i] = v == MASK_FOREGROUND ? 1 : 0;
    }
    return new Sample(id, image.data(), new int[] {image.height(), image.width(), 3}, labels,
        new int[] {image.height(), image.width()}, new double[] {1.0, 1.0});
  }

  @Override
  public int numClasses() {
    return NUM_CLASSES;
  }

  @Override
  public int channels() {
    return 3;
  }

  @Override
  public boolean is3d() {
    return false;
  }
}
