package org.delineo.training.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.training.data.io.MetaImage;
import org.delineo.training.data.io.MetaImageReader;

/**
 * A PROMISE12 prostate MRI dataset: MetaImage volumes {@code CaseXX.mhd} (+ raw) with ground truth
 * {@code CaseXX_segmentation.mhd}, either directly in the root or in its sub-folders (the challenge
 * ships {@code TrainingData_Part1..3}). Each case is one sample: image {@code [D, H, W, 1]} with the
 * raw intensities, labels {@code [D, H, W]} with 0 background and 1 prostate, spacing {@code [sz,
 * sy, sx]} in mm. Slicing into 2D images and intensity scaling are {@link SliceDataset}'s job.
 *
 * <p>Sample ids are {@code CaseXX}. Splits: {@code splits/*.txt}, else the seeded fallback of
 * {@link DatasetSplits} (the SemSim 35 / 5 / 10 case split must be given as files).
 */
public final class Promise12Layout implements SegmentationDataset {
  /** Number of classes (background, prostate). */
  public static final int NUM_CLASSES = 2;
  /** Suffix of a case's ground-truth header. */
  public static final String SEGMENTATION_SUFFIX = "_segmentation.mhd";

  private static final Pattern CASE = Pattern.compile("Case\\d+\\.mhd");

  private final Path root;
  private final Map<String, Path> cases;
  private final DatasetSplits splits;

  /** Opens the dataset with the standard split files and the default split seed. */
  public Promise12Layout(Path root) {
    this(root, SplitFiles.standard(root), DatasetSplits.DEFAULT_SEED);
  }

  /**
   * Opens the dataset.
   *
   * @param splitFiles the files that define the splits when any exists
   * @param splitSeed seed of the fallback split when there are no split files
   * @throws DelineoException when the root is not a folder, holds no case, or a case appears twice
   */
  public Promise12Layout(Path root, SplitFiles splitFiles, long splitSeed) {
    LayoutFiles.requireDirectory(root, "PROMISE12");
    this.root = root;
    this.cases = new TreeMap<>();
    List<Path> folders = new ArrayList<>();
    folders.add(root);
    folders.addAll(LayoutFiles.subdirectories(root));
    for (Path dir : folders) {
      for (Path file : LayoutFiles.files(dir)) {
        String name = file.getFileName().toString();
        if (CASE.matcher(name).matches()) {
          String id = name.substring(0, name.length() - ".mhd".length());
          Path previous = cases.put(id, file);
          if (previous != null) {
            throw new DelineoException("PROMISE12 dataset " + root + ": two headers for case '"
                + id + "': " + previous + " and " + file);
          }
        }
      }
    }
    if (cases.isEmpty()) {
      throw new DelineoException("PROMISE12 dataset " + root
          + ": expected CaseXX.mhd files in the root or its sub-folders, found none");
    }
    this.splits =
        DatasetSplits.resolve(splitFiles, new ArrayList<>(cases.keySet()), id -> id, splitSeed);
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
    return "promise12:" + root;
  }

  @Override
  public List<String> ids(Split split) {
    return splits.ids(split);
  }

  @Override
  public List<Path> files(String id) {
    Path header = cases.get(id);
    if (header == null) {
      throw new DelineoException(name() + ": unknown sample id '" + id + "'");
    }
    return List.of(header, header.resolveSibling(id + SEGMENTATION_SUFFIX));
  }

  @Override
  public Sample load(String id) {
    Path header = cases.get(id);
    if (header == null) {
      throw new DelineoException(name() + ": unknown sample id '" + id + "'");
    }
    Path gtFile = header.resolveSibling(id + SEGMENTATION_SUFFIX);
    if (!Files.isRegularFile(gtFile)) {
      throw new DelineoException("PROMISE12 case '" + id + "': missing ground-truth file "
          + gtFile);
    }
    MetaImage image = MetaImageReader.read(header);
    MetaImage gt = MetaImageReader.read(gtFile);
    int[] dhw = dhw(image);
    if (!java.util.Arrays.equals(dhw, dhw(gt))) {
      throw new ShapeMismatchException(gtFile + ": expected shape [D, H, W] = "
          + java.util.Arrays.toString(dhw) + " like " + header + ", found "
          + java.util.Arrays.toString(dhw(gt)));
    }
    int[] labels = LabelValues.mapVolume(gt.data(), gtFile, LabelValues.identity(NUM_CLASSES - 1));
    double[] s = image.spacing();
    double[] spacing = new double[] {s.length > 2 ? s[2] : 1.0, s.length > 1 ? s[1] : 1.0, s[0]};
    return new Sample(id, image.data(), new int[] {dhw[0], dhw[1], dhw[2], 1}, labels, dhw, spacing);
  }

  /** {@code [nz, ny, nx]} of a volume of up to three axes (missing axes count 1). */
  private static int[] dhw(MetaImage image) {
    int[] d = image.dimSize();
    if (d.length > 3) {
      throw new ShapeMismatchException(image.header() + ": expected at most 3 axes, found DimSize "
          + java.util.Arrays.toString(d));
    }
    return new int[] {d.length > 2 ? d[2] : 1, d.length > 1 ? d[1] : 1, d[0]};
  }

  @Override
  public int numClasses() {
    return NUM_CLASSES;
  }

  @Override
  public int channels() {
    return 1;
  }

  @Override
  public boolean is3d() {
    return true;
  }
}
