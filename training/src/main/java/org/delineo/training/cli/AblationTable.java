package org.delineo.training.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.delineo.graph.DelineoException;
import org.delineo.graph.io.SafeFiles;
import org.delineo.training.metrics.BratsCaseScores;
import org.delineo.training.metrics.ConfusionMatrix;

/**
 * The comparison table of {@code delineo ablate}: one row per grid entry with mIoU, mDice, aAcc and
 * per-class Dice (percent, as {@code delineo eval} prints them), for multi-modal models the 15-mask
 * average Dice of WT / TC / ET, the training wall time and the last training loss; a failed run has
 * its error instead of metrics. Written as CSV and Markdown.
 */
final class AblationTable {
  /** File name of the CSV table in the grid directory. */
  static final String CSV_FILE = "ablation_table.csv";
  /** File name of the Markdown table in the grid directory. */
  static final String MARKDOWN_FILE = "ablation_table.md";

  /**
   * One entry's results.
   *
   * @param entry the grid entry's directory name ({@code none}, {@code no-kl+no-proto})
   * @param matrix the best checkpoint's confusion matrix on the split, null when the run failed
   * @param maskAverage the 15-mask table's average row, null when the model takes no modality mask
   *     or the run failed
   * @param trainSeconds wall time of training (graph building included), NaN if it never started
   * @param lastLoss the loss of the last finite training step, NaN if none
   * @param error why the run failed, empty when it did not
   */
  record Row(String entry, ConfusionMatrix matrix, BratsCaseScores maskAverage, double trainSeconds,
      double lastLoss, String error) {}

  private final int numClasses;
  private final boolean modalityMasks;
  private final List<Row> rows = new ArrayList<>();

  /**
   * @param numClasses classes of the model, one Dice column each
   * @param modalityMasks whether the model takes a modality mask (adds the WT / TC / ET columns)
   */
  AblationTable(int numClasses, boolean modalityMasks) {
    this.numClasses = numClasses;
    this.modalityMasks = modalityMasks;
  }

  void add(Row row) {
    rows.add(row);
  }

  List<Row> rows() {
    return List.copyOf(rows);
  }

  /** The column names, in order. */
  List<String> header() {
    List<String> h = new ArrayList<>(List.of("entry", "mIoU", "mDice", "aAcc"));
    for (int c = 0; c < numClasses; c++) {
      h.add("dice_" + c);
    }
    if (modalityMasks) {
      h.addAll(List.of("dice_wt", "dice_tc", "dice_et"));
    }
    h.addAll(List.of("train_seconds", "final_loss", "error"));
    return h;
  }

  /** CSV text: the header, then one line per row; four decimals, {@code nan} where undefined. */
  String toCsv() {
    StringBuilder out = new StringBuilder(String.join(",", header())).append('\n');
    for (Row r : rows) {
      List<String> cells = cells(r, "%.4f");
      cells.set(cells.size() - 1, csvField(r.error()));
      out.append(String.join(",", cells)).append('\n');
    }
    return out.toString();
  }

  /** A Markdown table with two decimals, as {@code delineo eval} prints its metrics. */
  String toMarkdown() {
    List<String> header = header();
    StringBuilder out = new StringBuilder();
    out.append("| ").append(String.join(" | ", header)).append(" |\n");
    out.append("|").append("---|".repeat(header.size())).append('\n');
    for (Row r : rows) {
      List<String> cells = cells(r, "%.2f");
      // A '|' or a line break inside a cell would end it early.
      cells.set(cells.size() - 1, r.error().replace("|", "\\|").replaceAll("\\s*\\R\\s*", " "));
      out.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }
    return out.toString();
  }

  /** Writes both tables into {@code dir} atomically, so a reader never sees half a table. */
  void write(Path dir) {
    write(dir.resolve(CSV_FILE), toCsv());
    write(dir.resolve(MARKDOWN_FILE), toMarkdown());
  }

  private static void write(Path file, String text) {
    try {
      SafeFiles.durable().writeString(file, text);
    } catch (IOException e) {
      throw new DelineoException("cannot write ablation table " + file + ": " + e, e);
    }
  }

  /** The row's cells in {@link #header()} order; metrics in percent, empty where the run failed. */
  private List<String> cells(Row r, String format) {
    List<String> cells = new ArrayList<>();
    cells.add(r.entry());
    ConfusionMatrix m = r.matrix();
    cells.add(m == null ? "" : percent(m.meanIoU(), format));
    cells.add(m == null ? "" : percent(m.meanDice(), format));
    cells.add(m == null ? "" : percent(m.pixelAccuracy(), format));
    double[] dice = m == null ? null : m.dice();
    for (int c = 0; c < numClasses; c++) {
      cells.add(dice == null ? "" : percent(dice[c], format));
    }
    if (modalityMasks) {
      BratsCaseScores s = r.maskAverage();
      cells.add(s == null ? "" : percent(s.diceWt(), format));
      cells.add(s == null ? "" : percent(s.diceTc(), format));
      cells.add(s == null ? "" : percent(s.diceEt(), format));
    }
    cells.add(Double.isNaN(r.trainSeconds()) ? "" : String.format(Locale.ROOT, "%.1f", r.trainSeconds()));
    cells.add(Double.isNaN(r.lastLoss()) ? "" : String.format(Locale.ROOT, "%.6g", r.lastLoss()));
    cells.add(r.error());
    return cells;
  }

  private static String percent(double fraction, String format) {
    // Same rounding and "nan" as MetricsTable, so the Markdown cells equal what eval prints.
    return Double.isNaN(fraction) ? "nan" : String.format(Locale.ROOT, format, 100 * fraction);
  }

  private static String csvField(String s) {
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }
}
