package org.delineo.training.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.delineo.graph.DelineoException;
import org.delineo.proto.DataConfig;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.synth.SyntheticData;

/**
 * The {@code delineo data synth} call that writes the data a synthetic config reads: its kind
 * follows {@code data.layout}, its folder is {@code data.root}, and its case count and seed are
 * the ones the shipped synthetic configs were measured with (so a figure in a config's header is
 * reproduced by the command this class names).
 *
 * <p>{@code train} and {@code ablate} do not write missing data themselves: a mistyped
 * {@code data.root} would otherwise train on freshly invented data without a word. They fail with
 * one line naming this command instead ({@link #requirePresent}); {@code quickstart}, whose whole
 * point is to run with no preparation, writes it ({@link #write}).
 */
final class SyntheticDataRecipe {
  private final String kind;
  private final String root;
  private final int cases;
  private final long seed;

  private SyntheticDataRecipe(String kind, String root, int cases, long seed) {
    this.kind = kind;
    this.root = root;
    this.cases = cases;
    this.seed = seed;
  }

  /** The recipe for {@code data}, or empty when its layout reads real data. */
  static Optional<SyntheticDataRecipe> of(DataConfig data) {
    switch (data.getLayout()) {
      case SYNTHETIC_SCENES2D:
        // configs/quickstart.pbtxt's 300 scenes (210 train / 45 val / 45 test).
        return Optional.of(new SyntheticDataRecipe("scenes2d", data.getRoot(), 300, 7));
      case SYNTHETIC_BRATS3D:
        // configs/prism/synthetic_*.pbtxt: 40 phantoms, 28 train / 6 val / 6 test.
        return Optional.of(new SyntheticDataRecipe("brats3d", data.getRoot(), 40, 0));
      case SYNTHETIC_MEDICAL2D:
        // configs/semsim/synthetic_*.pbtxt: 60 cases, about 42 of them to train on.
        return Optional.of(new SyntheticDataRecipe("medical2d", data.getRoot(), 60, 1));
      default:
        return Optional.empty();
    }
  }

  /**
   * Fails when {@code data} is synthetic and its folder is missing or empty, naming the command
   * that writes it; does nothing for real-data layouts (their readers name the missing folder).
   *
   * @throws DelineoException one line: the folder and the exact {@code data synth} command
   */
  static void requirePresent(DataConfig data) {
    Optional<SyntheticDataRecipe> recipe = of(data);
    if (recipe.isEmpty() || data.getRoot().isEmpty()) {
      return;
    }
    Path root = Path.of(data.getRoot());
    if (!Files.exists(root)) {
      throw new DelineoException("data.root " + root + " does not exist; write the synthetic data"
          + " first: " + recipe.get().command());
    }
    if (isEmptyFolder(root)) {
      throw new DelineoException("data.root " + root + " is an empty folder; write the synthetic"
          + " data first: " + recipe.get().command());
    }
  }

  /** The command, as typed in the repository root. */
  String command() {
    return "./delineo data synth --kind " + kind + " --out " + shellWord(root) + " --cases " + cases
        + " --seed " + seed;
  }

  /** Writes the data, as {@link #command} would. */
  SegmentationDataset write() {
    return SyntheticData.write(kind, Path.of(root), cases, seed);
  }

  private static boolean isEmptyFolder(Path dir) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    } catch (IOException e) {
      throw new DelineoException("cannot list data.root " + dir + ": " + e.getMessage(), e);
    }
  }

  /** {@code s} quoted for a POSIX shell when it holds anything but plain path characters. */
  private static String shellWord(String s) {
    return s.matches("[A-Za-z0-9_./@%+=:,-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
  }
}
