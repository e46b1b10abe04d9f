package org.delineo.training.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.delineo.graph.DelineoException;

/**
 * A BraTS dataset: one folder per case, {@code <case>/<case>_{flair,t1ce,t1,t2,seg}.nii.gz} (or
 * {@code .nii}). A sample stacks the four modalities in the order {@link #MODALITIES} as channels:
 * image {@code [D, H, W, 4]} (D = z, H = y, W = x of the files), label {@code [D, H, W]}, spacing
 * {@code [sz, sy, sx]}. Intensities are as stored (after NIfTI scaling); normalisation is left to
 * the augmentation pipeline.
 *
 * <p>Labels are checked against and mapped through a label map (index = stored value, entry =
 * class id, -1 = not allowed). The default {@link #keepLabels()} keeps BraTS' stored values {0,1,2,4}
 * (necrosis 1, edema 2, enhancing tumour 4); {@link #enhancingTo3()} makes them contiguous
 * (4 becomes 3). Either way there are {@link #numClasses()} = 4 classes.
 *
 * <p>A case is any sub-folder holding at least one {@code <folder>_*.nii[.gz]} file; a missing
 * modality or segmentation is reported when the case is loaded, naming the case and the file.
 * Splits: {@code splits/*.txt} (case names) or the seeded fallback of {@link DatasetSplits}.
 */
public final class BratsLayout implements SegmentationDataset {
  /** Modality file suffixes in channel order. */
  public static final List<String> MODALITIES = List.of("flair", "t1ce", "t1", "t2");
  /** Suffix of the segmentation file. */
  public static final String SEGMENTATION = "seg";

  /** A label map keeping the stored labels {0, 1, 2, 4}; any other value is an error. */
  public static int[] keepLabels() {
    return new int[] {0, 1, 2, -1, 4};
  }

  /** A label map taking the stored labels {0, 1, 2, 4} to the contiguous {0, 1, 2, 3}. */
  public static int[] enhancingTo3() {
    return new int[] {0, 1, 2, -1, 3};
  }

  /**
   * Class id to BraTS' stored label, {0, 1, 2, 4}: the inverse of {@link #enhancingTo3()}, which
   * training uses (and {@code BratsPreprocessor} likewise maps 4 to 3), so a model's class 3 is
   * enhancing tumour, stored as 4.
   */
  public static int[] storedLabels() {
    return new int[] {0, 1, 2, 4};
  }

  /**
   * The file {@code caseDir/<caseId>_<suffix>.nii.gz} (or {@code .nii}), if it exists; suffix one
   * of {@link #MODALITIES} or {@link #SEGMENTATION}.
   */
  public static Optional<Path> findCaseFile(Path caseDir, String caseId, String suffix) {
    return LayoutFiles.nifti(caseDir, caseId + "_" + suffix);
  }

  private final Path root;
  private final Map<String, Path> cases;
  private final DatasetSplits splits;
  private final int[] labelMap;

  /** Opens the dataset keeping stored labels, with the default split seed. */
  public BratsLayout(Path root) {
    this(root, SplitFiles.standard(root), DatasetSplits.DEFAULT_SEED, keepLabels());
  }

  /**
   * Opens the dataset.
   *
   * @param splitFiles the files that define the splits when any exists
   * @param splitSeed seed of the fallback split when there are no split files
   * @param labelMap stored value to class id, -1 for values that must not occur
   */
  public BratsLayout(Path root, SplitFiles splitFiles, long splitSeed, int[] labelMap) {
    LayoutFiles.requireDirectory(root, "BraTS");
    this.root = root;
    this.labelMap = labelMap.clone();
    this.cases = new TreeMap<>();
    for (Path dir : LayoutFiles.subdirectories(root)) {
      String name = dir.getFileName().toString();
      boolean hasCaseFile = LayoutFiles.files(dir).stream()
          .anyMatch(f -> LayoutFiles.niftiStem(f).map(s -> s.startsWith(name + "_")).orElse(false));
      if (hasCaseFile) {
        cases.put(name, dir);
      }
    }
    this.splits = DatasetSplits.resolve(splitFiles, new ArrayList<>(cases.keySet()), id -> id, splitSeed);
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
    return "brats:" + root;
  }

  @Override
  public List<String> ids(Split split) {
    return splits.ids(split);
  }

  @Override
  public List<Path> files(String id) {
    Path dir = cases.get(id);
    if (dir == null) {
      throw new DelineoException(name() + ": unknown case '" + id + "'");
    }
    List<Path> files = new ArrayList<>();
    for (String suffix : MODALITIES) {
      files.add(findCaseFile(dir, id, suffix).orElse(dir.resolve(id + "_" + suffix + ".nii.gz")));
    }
    files.add(findCaseFile(dir, id, SEGMENTATION)
        .orElse(dir.resolve(id + "_" + SEGMENTATION + ".nii.gz")));
    return files;
  }

  @Override
  public Sample load(String id) {
    Path dir = cases.get(id);
    if (dir == null) {
      throw new DelineoException(name() + ": unknown case '" + id + "'");
    }
    VolumeFiles[] modalities = new VolumeFiles[MODALITIES.size()];
    for (int m = 0; m < modalities.length; m++) {
      modalities[m] = VolumeFiles.read(caseFile(dir, id, MODALITIES.get(m)));
      if (m > 0) {
        modalities[m].requireShapeOf(modalities[0]);
      }
    }
    VolumeFiles seg = VolumeFiles.read(caseFile(dir, id, SEGMENTATION));
    seg.requireShapeOf(modalities[0]);
    int voxels = seg.voxels();
    int channels = modalities.length;
    float[] image = new float[voxels * channels];
    for (int m = 0; m < channels; m++) {
      float[] data = modalities[m].data();
      for (int v = 0; v < voxels; v++) {
        image[v * channels + m] = data[v];
      }
    }
    int[] labels = LabelValues.mapVolume(seg.data(), seg.file(), labelMap);
    int[] shape = seg.shape();
    return new Sample(id, image, new int[] {shape[0], shape[1], shape[2], channels}, labels,
        shape.clone(), modalities[0].spacing());
  }

  private Path caseFile(Path dir, String id, String suffix) {
    String stem = id + "_" + suffix;
    return findCaseFile(dir, id, suffix).orElseThrow(() -> new DelineoException("BraTS case '" + id
        + "': missing " + suffix + " file " + dir.resolve(stem + ".nii.gz") + " (or .nii)"));
  }

  @Override
  public int numClasses() {
    return 4;
  }

  @Override
  public int channels() {
    return MODALITIES.size();
  }

  @Override
  public boolean is3d() {
    return true;
  }
}
