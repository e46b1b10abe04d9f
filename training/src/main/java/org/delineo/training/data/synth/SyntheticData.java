package org.delineo.training.data.synth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.DatasetInfo;
import org.delineo.training.data.DatasetSplits;
import org.delineo.training.data.SegmentationDataset;

/**
 * Writes a whole synthetic dataset: every case, {@code splits/{train,val,test}.txt} and {@code
 * dataset.txt}, then opens it through its layout. This is what {@code delineo data synth --kind K
 * --out DIR --cases N --seed S} does.
 *
 * <p>The split is {@link DatasetSplits#seeded} with the data seed, applied to cases (an ACDC-style
 * patient's frames stay together), and is written out so the dataset no longer depends on it. The
 * output folder must be empty, absent, or a dataset of the same kind written before by this class
 * (its {@code dataset.txt} says so); files of an earlier, larger dataset are overwritten or left in place, but
 * the new split files list only the new cases.
 */
public final class SyntheticData {
  /** The kinds {@link #generator} knows, in the order shown to users. */
  public static final List<String> KINDS = List.of("scenes2d", "brats3d", "medical2d");

  private SyntheticData() {}

  /**
   * The generator of a kind with its default size.
   *
   * @throws DelineoException for an unknown kind, listing the valid ones
   */
  public static SyntheticGenerator generator(String kind) {
    switch (kind) {
      case "scenes2d":
        return new SyntheticScenes2d();
      case "brats3d":
        return new SyntheticBrats3d();
      case "medical2d":
        return new SyntheticMedical2d();
      default:
        throw new DelineoException("unknown synthetic data kind '" + kind + "'; valid kinds: "
            + String.join(", ", KINDS));
    }
  }

  /**
   * The generator of a kind with an explicit size: {@code [H, W]} for scenes2d, {@code [D, H, W]}
   * for brats3d, {@code [slices, H, W]} for medical2d; an empty size means the kind's default.
   *
   * @throws DelineoException for an unknown kind or a size of the wrong length
   */
  public static SyntheticGenerator generator(String kind, int[] size) {
    if (size.length == 0) {
      return generator(kind);
    }
    int expected = kind.equals("scenes2d") ? 2 : 3;
    if (KINDS.contains(kind) && size.length != expected) {
      throw new DelineoException("synthetic " + kind + ": --size takes " + expected + " numbers ("
          + (expected == 2 ? "H,W" : kind.equals("brats3d") ? "D,H,W" : "slices,H,W") + "), found "
          + size.length);
    }
    switch (kind) {
      case "scenes2d":
        return new SyntheticScenes2d(size[0], size[1]);
      case "brats3d":
        return new SyntheticBrats3d(size[0], size[1], size[2]);
      case "medical2d":
        return new SyntheticMedical2d(size[0], size[1], size[2]);
      default:
        return generator(kind);
    }
  }

  /** Writes {@code cases} cases of {@code kind} (default size) under {@code out}. */
  public static SegmentationDataset write(String kind, Path out, int cases, long seed) {
    return write(generator(kind), out, cases, seed);
  }

  /**
   * Writes {@code cases} cases with {@code generator} under {@code out} and opens the result.
   *
   * @throws DelineoException when {@code cases < 1} or {@code out} holds unrelated files
   */
  public static SegmentationDataset write(
      SyntheticGenerator generator, Path out, int cases, long seed) {
    if (cases < 1) {
      throw new DelineoException("synthetic data: --cases must be at least 1, found " + cases);
    }
    requireUsableOutput(out, generator.kind());
    List<String> ids = new ArrayList<>();
    Map<String, String> caseOf = new HashMap<>();
    for (int i = 0; i < cases; i++) {
      generator.writeCase(out, i, seed);
      for (String id : generator.sampleIds(i, seed)) {
        ids.add(id);
        caseOf.put(id, generator.caseId(i));
      }
    }
    DatasetSplits.seeded(ids, caseOf::get, seed).write(out);
    generator.describe(cases, seed).write(out, "Delineo synthetic dataset (" + generator.kind()
        + "), regenerate with: delineo data synth --kind " + generator.kind() + " --out <this folder> --cases "
        + cases + " --seed " + seed);
    return generator.open(out);
  }

  private static void requireUsableOutput(Path out, String kind) {
    if (!Files.exists(out)) {
      return;
    }
    if (!Files.isDirectory(out)) {
      throw new DelineoException("synthetic data: output " + out + " exists and is not a folder");
    }
    if (Files.isRegularFile(out.resolve(DatasetInfo.FILE_NAME))) {
      String previous = DatasetInfo.read(out).flatMap(i -> i.get("kind")).orElse("");
      if (!previous.equals(kind)) {
        throw new DelineoException("synthetic data: " + out + " holds a '" + previous
            + "' dataset, not '" + kind + "'; choose an empty or new folder");
      }
      return;
    }
    try (Stream<Path> entries = Files.list(out)) {
      if (entries.findAny().isPresent()) {
        throw new DelineoException("synthetic data: output folder " + out + " is not empty and has"
            + " no " + DatasetInfo.FILE_NAME + "; choose an empty or new folder");
      }
    } catch (IOException e) {
      throw new DelineoException("cannot list " + out + ": " + e.getMessage(), e);
    }
  }
}
