package org.delineo.training.data.pipeline;

import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.SliceDataset;
import org.delineo.training.data.Split;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.brats.PreprocessedBrats;

/**
 * A pre-flight check of every file of the splits a run will read, before anything is trained or
 * written, so that a damaged or mismatched file fails the run at once (and all such files are
 * listed together) instead of at the first evaluation after hours of training.
 *
 * <p>Per file only the header and the file size are read ({@link SpatialSize}): a PNG must end with
 * its IEND chunk, a JPEG with its end-of-image marker, a NIfTI / MetaImage / npy file must hold the
 * bytes its header describes (for {@code .nii.gz}, the gzip trailer's size). Within a sample every
 * file must have the image's spatial size. Corruption inside compressed data that leaves sizes
 * intact is still found only when the sample is decoded.
 *
 * <p>A {@link SliceDataset} is checked through its volumes (listing slices would decode every
 * volume). A {@link PreprocessedBrats} dataset is checked through its raw NIfTI files; the
 * preprocessed sizes are known only after decoding, so its {@link Report#trainSizes()} is empty.
 */
public final class DatasetCheck {

  /**
   * What a passed check found.
   *
   * @param files distinct files checked
   * @param cases distinct cases (volumes for sliced datasets) checked
   * @param seconds time the check took
   * @param trainSizes spatial size of every training case as the training crop sees it (a slice's
   *     {@code [H, W]} for sliced volumes), before any random rescale; empty when unknown
   */
  public record Report(int files, int cases, double seconds, List<int[]> trainSizes) {
    /** The one-line summary printed before training. */
    public String summary() {
      return String.format(java.util.Locale.ROOT, "checked %d files of %d cases in %.1f s", files,
          cases, seconds);
    }
  }

  private record CaseResult(List<Path> files, int[] size, List<String> problems) {}

  private DatasetCheck() {}

  /**
   * Checks every file of every case of {@code splits}.
   *
   * @throws DelineoException listing every unusable file in one line, e.g. {@code 2 of 96 files
   *     are unusable: a.png: truncated PNG (no IEND chunk at the end); b.png: ...}
   */
  public static Report run(SegmentationDataset dataset, List<Split> splits) {
    long began = System.nanoTime();
    SegmentationDataset files = dataset instanceof SliceDataset sliced ? sliced.volumes() : dataset;
    Set<String> ids = new LinkedHashSet<>();
    for (Split split : splits) {
      ids.addAll(files.ids(split));
    }
    List<String> order = new ArrayList<>(ids);
    // Header reads are independent and I/O bound: check cases in parallel, report in case order.
    CaseResult[] results = new CaseResult[order.size()];
    IntStream.range(0, order.size()).parallel()
        .forEach(i -> results[i] = checkCase(files.files(order.get(i))));

    Set<Path> checked = new LinkedHashSet<>();
    List<String> problems = new ArrayList<>();
    for (CaseResult r : results) {
      checked.addAll(r.files());
      problems.addAll(r.problems());
    }
    if (!problems.isEmpty()) {
      throw new DelineoException(problems.size() + " of " + checked.size() + " files "
          + (problems.size() == 1 ? "is" : "are") + " unusable: " + String.join("; ", problems));
    }
    List<int[]> trainSizes = new ArrayList<>();
    if (!(dataset instanceof PreprocessedBrats) && splits.contains(Split.TRAIN)) {
      Set<String> train = new LinkedHashSet<>(files.ids(Split.TRAIN));
      for (int i = 0; i < order.size(); i++) {
        int[] size = results[i].size();
        if (size != null && train.contains(order.get(i))) {
          trainSizes.add(files != dataset && size.length == 3
              ? Arrays.copyOfRange(size, 1, 3) : size);
        }
      }
    }
    return new Report(checked.size(), order.size(), (System.nanoTime() - began) / 1e9, trainSizes);
  }

  /** Reads each file's header; every file must have the first file's spatial size. */
  private static CaseResult checkCase(List<Path> files) {
    List<String> problems = new ArrayList<>();
    int[] imageSize = null;
    for (int f = 0; f < files.size(); f++) {
      Path file = files.get(f);
      int[] size;
      try {
        size = SpatialSize.of(file);
      } catch (DelineoException e) {
        problems.add(e.getMessage());
        continue;
      }
      if (f == 0) {
        imageSize = size;
      } else if (imageSize != null && size != null && !Arrays.equals(size, imageSize)) {
        problems.add(file + " is " + SpatialSize.describe(size) + ", its image " + files.get(0)
            + " is " + SpatialSize.describe(imageSize));
      }
    }
    return new CaseResult(files, imageSize, problems);
  }
}
