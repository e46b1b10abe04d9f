package org.delineo.training.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.delineo.graph.DelineoException;

/**
 * An ACDC-style cardiac dataset: {@code root/<patient>/<patient>_frameXX.nii.gz} volumes with
 * ground truth {@code <patient>_frameXX_gt.nii.gz} (or {@code .nii}), as in ACDC's {@code
 * training/} folder (other files such as {@code _4d} series and {@code Info.cfg} are ignored).
 * Each frame is one sample: image {@code [D, H, W, 1]}, labels {@code [D, H, W]} with classes
 * 0 background, 1 right ventricle, 2 myocardium, 3 left ventricle; spacing {@code [sz, sy, sx]}.
 * Slicing volumes into 2D training images is the loader's business.
 *
 * <p>Sample ids are {@code <patient>_frameXX}. Splits: {@code splits/*.txt} listing sample ids or
 * whole patients, else the seeded fallback of {@link DatasetSplits} applied to patients, so all
 * frames of a patient land in the same split.
 */
public final class AcdcLayout implements SegmentationDataset {
  /** Number of classes (background, RV, myocardium, LV). */
  public static final int NUM_CLASSES = 4;

  private static final Pattern FRAME = Pattern.compile(".+_frame\\d+");

  private record Frame(String patient, Path image, Path dir) {}

  private final Path root;
  private final Map<String, Frame> frames;
  private final DatasetSplits splits;

  /** Opens the dataset with the standard split files and the default split seed. */
  public AcdcLayout(Path root) {
    this(root, SplitFiles.standard(root), DatasetSplits.DEFAULT_SEED);
  }

  /**
   * Opens the dataset.
   *
   * @param splitFiles the files that define the splits when any exists
   * @param splitSeed seed of the patient-wise fallback split when there are no split files
   */
  public AcdcLayout(Path root, SplitFiles splitFiles, long splitSeed) {
    LayoutFiles.requireDirectory(root, "ACDC");
    this.root = root;
    this.frames = new TreeMap<>();
    for (Path dir : LayoutFiles.subdirectories(root)) {
      String patient = dir.getFileName().toString();
      for (Path file : LayoutFiles.files(dir)) {
        LayoutFiles.niftiStem(file)
            .filter(stem -> stem.startsWith(patient + "_frame") && FRAME.matcher(stem).matches())
            .ifPresent(stem -> frames.putIfAbsent(stem, new Frame(patient, file, dir)));
      }
    }
    this.splits = DatasetSplits.resolve(
        splitFiles, new ArrayList<>(frames.keySet()), id -> frames.get(id).patient(), splitSeed);
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
    return "acdc:" + root;
  }

  @Override
  public List<String> ids(Split split) {
    return splits.ids(split);
  }

  @Override
  public List<Path> files(String id) {
    Frame frame = frames.get(id);
    if (frame == null) {
      throw new DelineoException(name() + ": unknown sample id '" + id + "'");
    }
    String gtStem = id + "_gt";
    return List.of(frame.image(), LayoutFiles.nifti(frame.dir(), gtStem)
        .orElse(frame.dir().resolve(gtStem + ".nii.gz")));
  }

  @Override
  public Sample load(String id) {
    Frame frame = frames.get(id);
    if (frame == null) {
      throw new DelineoException(name() + ": unknown sample id '" + id + "'");
    }
    String gtStem = id + "_gt";
    Path gtFile = LayoutFiles.nifti(frame.dir(), gtStem).orElseThrow(() -> new DelineoException(
        "ACDC sample '" + id + "': missing ground-truth file "
            + frame.dir().resolve(gtStem + ".nii.gz") + " (or .nii)"));
    VolumeFiles image = VolumeFiles.read(frame.image());
    VolumeFiles gt = VolumeFiles.read(gtFile);
    gt.requireShapeOf(image);
    int[] labels = LabelValues.mapVolume(gt.data(), gtFile, LabelValues.identity(NUM_CLASSES - 1));
    int[] shape = image.shape();
    return new Sample(id, image.data(), new int[] {shape[0], shape[1], shape[2], 1}, labels,
        shape.clone(), image.spacing());
  }

  /** The patient of a sample id ({@code patient001_frame01} → {@code patient001}). */
  @Override
  public String caseOf(String id) {
    Frame frame = frames.get(id);
    return frame != null ? frame.patient() : id.replaceFirst("_frame\\d+$", "");
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
