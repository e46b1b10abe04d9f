package org.delineo.training.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.delineo.graph.DelineoException;

/**
 * {@code delineo ablate --collect DIR}: the comparison table of a grid whose entries ran as
 * separate jobs ({@code ablate --index i}), built from the entries' {@link EntryMarker done.json}
 * in the order {@link GridRecord DIR/grid.json} lists them, and written as the sequential
 * {@code ablate} writes it ({@code DIR/ablation_table.csv} and {@code .md}, same columns and
 * formats). Entries that have not ended are listed as not started (no run directory) or
 * unfinished (running, or stopped before their evaluation: re-running the index resumes them);
 * failed ones are rows with their error and are listed too.
 *
 * <p>Exit status: 0 when every entry finished, {@value #FAILED} when every entry ended but some
 * failed (as a sequential {@code ablate}), {@value #INCOMPLETE} when an entry has not ended (the
 * partial table is still written when at least one entry ended).
 */
final class AblationCollection {
  /** Exit status when every entry ended and at least one failed. */
  static final int FAILED = 1;
  /** Exit status when at least one entry has not ended. */
  static final int INCOMPLETE = 3;

  private AblationCollection() {}

  /** Collects the grid in {@code dir}; see the class comment. */
  static int collect(Path dir, PrintStream out) {
    GridRecord grid = GridRecord.read(dir).orElseThrow(() -> new DelineoException("--collect: expected an"
        + " ablation grid directory with " + GridRecord.FILE + " (written by `ablate --emit`, `ablate --index` or"
        + " a sequential `ablate`), found none in " + dir));
    List<EntryMarker> ended = new ArrayList<>();
    List<String> notStarted = new ArrayList<>();
    List<String> unfinished = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    for (int i = 0; i < grid.entries().size(); i++) {
      String name = grid.entries().get(i);
      Path runDir = dir.resolve(name);
      Optional<EntryMarker> marker = Files.isDirectory(runDir) ? EntryMarker.read(runDir) : Optional.empty();
      if (!Files.isDirectory(runDir)) {
        notStarted.add(i + " " + name);
      } else if (marker.isEmpty()) {
        unfinished.add(i + " " + name);
      } else {
        if (!marker.get().row().entry().equals(name)) {
          throw new DelineoException("--collect: expected " + runDir.resolve(EntryMarker.FILE) + " to be entry '"
              + name + "', found '" + marker.get().row().entry() + "'");
        }
        ended.add(marker.get());
        if (marker.get().failed()) {
          failed.add(i + " " + name + ": " + marker.get().row().error());
        }
      }
    }
    if (!ended.isEmpty()) {
      EntryMarker first = ended.get(0);
      AblationTable table = new AblationTable(first.numClasses(), first.modalityMasks());
      for (EntryMarker m : ended) {
        if (m.numClasses() != first.numClasses() || m.modalityMasks() != first.modalityMasks()) {
          throw new DelineoException("--collect: expected every entry of " + dir + " to have the columns of "
              + first.row().entry() + " (" + first.numClasses() + " classes), found " + m.row().entry() + " with "
              + m.numClasses() + " classes" + (m.modalityMasks() != first.modalityMasks() ? " and other mask columns" : ""));
        }
        table.add(m.row());
      }
      table.write(dir);
      out.println("ablation table (" + grid.split() + ", metrics in %, best checkpoint of each run):");
      out.print(table.toMarkdown());
      out.println("wrote " + dir.resolve(AblationTable.CSV_FILE) + " and " + dir.resolve(AblationTable.MARKDOWN_FILE)
          + " (" + ended.size() + " of " + grid.entries().size() + " entries)");
    } else {
      out.println("no entry of " + dir + " has ended yet; no table written");
    }
    list(out, "not started (no run directory)", notStarted);
    list(out, "unfinished (running, or stopped before its evaluation; running its index again resumes it)",
        unfinished);
    list(out, "failed", failed);
    if (!notStarted.isEmpty() || !unfinished.isEmpty()) {
      out.println("incomplete: " + (notStarted.size() + unfinished.size()) + " of " + grid.entries().size()
          + " entries have not ended (exit status " + INCOMPLETE + ")");
      return INCOMPLETE;
    }
    return failed.isEmpty() ? 0 : FAILED;
  }

  private static void list(PrintStream out, String what, List<String> entries) {
    if (!entries.isEmpty()) {
      out.println(what + ":");
      entries.forEach(e -> out.println("  " + e));
    }
  }
}
