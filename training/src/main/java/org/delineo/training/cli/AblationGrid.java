package org.delineo.training.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.delineo.graph.DelineoException;
import org.delineo.training.wiring.Ablations;

/**
 * The runs of {@code delineo ablate --grid "none;no-distill;no-kl,no-proto"}: one entry per
 * {@code ;}-separated item, {@code none} for the config as is, otherwise a comma list of ablation
 * names. Every name is checked against the registry when the grid is parsed, so a typo in the last
 * entry fails before the first run has trained.
 */
final class AblationGrid {
  /** The entry that applies no ablation. */
  static final String NONE = "none";

  /**
   * One run of the grid.
   *
   * @param ablations the ablation names to apply, empty for {@code none}
   * @param directory the run's subdirectory: {@code none}, or the names joined by {@code +}
   */
  record Entry(List<String> ablations, String directory) {}

  private AblationGrid() {}

  /**
   * The entries of {@code grid}, in order.
   *
   * @throws DelineoException when an entry is empty, repeated, or names an unknown ablation (the
   *     message lists the valid ones)
   */
  static List<Entry> parse(String grid) {
    List<Entry> entries = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String item : grid.split(";", -1)) {
      String text = item.trim();
      if (text.isEmpty()) {
        throw new DelineoException("--grid: expected ';'-separated entries ('none' or a comma list of"
            + " ablations), found an empty entry in '" + grid + "'");
      }
      List<String> names = new ArrayList<>();
      if (!text.equals(NONE)) {
        for (String name : text.split(",", -1)) {
          names.add(name.trim());
        }
        // The registry's own check, so the message lists the valid names exactly as --ablate does.
        Ablations.named(names);
      }
      // Ablation names are letters and '-', so '+' joins them into a safe, readable directory name.
      String directory = names.isEmpty() ? NONE : String.join("+", names);
      if (!seen.add(directory)) {
        throw new DelineoException("--grid: expected each entry once, found '" + text + "' twice in '"
            + grid + "'");
      }
      entries.add(new Entry(List.copyOf(names), directory));
    }
    return entries;
  }
}
