package org.delineo.training.metrics;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.graph.io.SafeFiles;
import org.delineo.training.run.Json;

/**
 * The incomplete-modality BraTS results table as the literature reports it: one row per modality
 * mask (the 15 masks, in the caller's index order and with the caller's names), each the mean
 * over the cases evaluated with that mask of Dice WT/TC/ET/ETPro and HD95 WT/TC/ET/ETPro, plus an
 * average row, the mean of the row means over the masks that have cases.
 *
 * <p>Dice is shown and written in percent, HD95 in mm, as the papers print them. The empty-mask
 * rule used for the cases is recorded with the table. Not thread safe.
 */
public final class ModalityMaskTable {
  private final List<String> maskNames;
  private final String ruleName;
  private final double[][] sums;
  private final int[] counts;

  /**
   * @param maskNames one distinct name per mask, in the index order the caller uses
   * @param rule the empty-mask rule the added cases were scored with (named in the outputs)
   */
  public ModalityMaskTable(List<String> maskNames, EmptyMaskRule rule) {
    if (maskNames.isEmpty() || new HashSet<>(maskNames).size() != maskNames.size()) {
      throw new DelineoException("modality mask table: expected distinct mask names, found "
          + maskNames);
    }
    this.maskNames = List.copyOf(maskNames);
    this.ruleName = rule.name();
    this.sums = new double[maskNames.size()][BratsCaseScores.COLUMNS.size()];
    this.counts = new int[maskNames.size()];
  }

  /** The masks' names, in row order. */
  public List<String> maskNames() {
    return maskNames;
  }

  /** Adds one case's scores to the row of mask {@code maskIndex}. */
  public void add(int maskIndex, BratsCaseScores scores) {
    if (maskIndex < 0 || maskIndex >= maskNames.size()) {
      throw new DelineoException("modality mask index must lie in [0, " + maskNames.size()
          + "), found " + maskIndex);
    }
    double[] v = scores.values();
    for (int c = 0; c < v.length; c++) {
      sums[maskIndex][c] += v[c];
    }
    counts[maskIndex]++;
  }

  /** Adds one case's scores to the row of the mask named {@code mask}. */
  public void add(String mask, BratsCaseScores scores) {
    add(indexOf(mask), scores);
  }

  /** Cases added to the row of {@code mask}. */
  public int cases(String mask) {
    return counts[indexOf(mask)];
  }

  /** The mean scores of {@code mask}'s cases (fractions and mm); all NaN when it has none. */
  public BratsCaseScores row(String mask) {
    return rowAt(indexOf(mask));
  }

  /** The mean of the row means over the masks with at least one case; NaN when none has. */
  public BratsCaseScores average() {
    double[] sum = new double[BratsCaseScores.COLUMNS.size()];
    int rows = 0;
    for (int m = 0; m < maskNames.size(); m++) {
      if (counts[m] > 0) {
        double[] v = rowAt(m).values();
        for (int c = 0; c < sum.length; c++) {
          sum[c] += v[c];
        }
        rows++;
      }
    }
    for (int c = 0; c < sum.length; c++) {
      sum[c] = rows == 0 ? Double.NaN : sum[c] / rows;
    }
    return BratsCaseScores.of(sum);
  }

  /**
   * The {@link #average()} row in output units (Dice in percent, HD95 in mm) keyed
   * {@code prefix/<column>}, e.g. {@code val/dice_wt}, in {@link BratsCaseScores#COLUMNS} order.
   * An empty prefix gives bare names.
   */
  public Map<String, Double> summary(String prefix) {
    String p = prefix.isEmpty() ? "" : prefix + "/";
    double[] v = displayed(average());
    Map<String, Double> out = new LinkedHashMap<>();
    for (int c = 0; c < v.length; c++) {
      out.put(p + BratsCaseScores.COLUMNS.get(c), v[c]);
    }
    return out;
  }

  /** An aligned text table for the console (Dice %, HD95 mm, two decimals). */
  public String format() {
    int nameWidth = "average".length();
    for (String n : maskNames) {
      nameWidth = Math.max(nameWidth, n.length());
    }
    StringBuilder out = new StringBuilder();
    out.append("Dice in %, HD95 in mm; empty-mask rule ").append(ruleName).append('\n');
    out.append(String.format(Locale.ROOT, "%-" + nameWidth + "s %6s", "mask", "cases"));
    for (String col : BratsCaseScores.COLUMNS) {
      out.append(String.format(Locale.ROOT, " %10s", col));
    }
    out.append('\n');
    for (int m = 0; m < maskNames.size(); m++) {
      appendRow(out, nameWidth, maskNames.get(m), Integer.toString(counts[m]), rowAt(m));
    }
    appendRow(out, nameWidth, "average", "", average());
    return out.toString();
  }

  /** CSV text: header {@code mask,cases,<columns>}, one line per mask, then the average line. */
  public String toCsv() {
    StringBuilder out = new StringBuilder("mask,cases");
    for (String col : BratsCaseScores.COLUMNS) {
      out.append(',').append(col);
    }
    out.append('\n');
    for (int m = 0; m < maskNames.size(); m++) {
      appendCsvRow(out, csvField(maskNames.get(m)), Integer.toString(counts[m]), rowAt(m));
    }
    appendCsvRow(out, "average", Integer.toString(totalCases()), average());
    return out.toString();
  }

  /**
   * JSON text: {@code {"rule", "units", "columns", "rows": [{"mask", "cases", <columns>}...],
   * "average": {...}}}; NaN as null.
   */
  public String toJson() {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("rule", ruleName);
    doc.put("units", "dice in percent, hd95 in mm");
    doc.put("columns", BratsCaseScores.COLUMNS);
    List<Object> rows = new ArrayList<>();
    for (int m = 0; m < maskNames.size(); m++) {
      rows.add(jsonRow(maskNames.get(m), counts[m], rowAt(m)));
    }
    doc.put("rows", rows);
    doc.put("average", jsonRow("average", totalCases(), average()));
    return Json.writePretty(doc);
  }

  /** Writes {@link #toCsv()} to {@code file} atomically. */
  public void writeCsv(Path file) {
    write(file, toCsv());
  }

  /** Writes {@link #toJson()} to {@code file} atomically. */
  public void writeJson(Path file) {
    write(file, toJson());
  }

  private static void write(Path file, String text) {
    try {
      SafeFiles.durable().writeString(file, text);
    } catch (IOException e) {
      throw new DelineoException("cannot write modality-mask table " + file + ": " + e, e);
    }
  }

  private int indexOf(String mask) {
    int i = maskNames.indexOf(mask);
    if (i < 0) {
      throw new DelineoException("unknown modality mask '" + mask + "', expected one of "
          + maskNames);
    }
    return i;
  }

  private int totalCases() {
    int n = 0;
    for (int c : counts) {
      n += c;
    }
    return n;
  }

  private BratsCaseScores rowAt(int m) {
    double[] v = new double[BratsCaseScores.COLUMNS.size()];
    for (int c = 0; c < v.length; c++) {
      v[c] = counts[m] == 0 ? Double.NaN : sums[m][c] / counts[m];
    }
    return BratsCaseScores.of(v);
  }

  /** Row values in output units: Dice columns ×100. */
  private static double[] displayed(BratsCaseScores s) {
    double[] v = s.values();
    for (int c = 0; c < BratsCaseScores.DICE_COLUMNS; c++) {
      v[c] *= 100;
    }
    return v;
  }

  private static void appendRow(StringBuilder out, int nameWidth, String name, String cases,
      BratsCaseScores s) {
    out.append(String.format(Locale.ROOT, "%-" + nameWidth + "s %6s", name, cases));
    for (double v : displayed(s)) {
      out.append(String.format(Locale.ROOT, " %10s", number(v)));
    }
    out.append('\n');
  }

  private static void appendCsvRow(StringBuilder out, String name, String cases,
      BratsCaseScores s) {
    out.append(name).append(',').append(cases);
    for (double v : displayed(s)) {
      out.append(',').append(Double.isNaN(v) ? "nan" : Double.toString(v));
    }
    out.append('\n');
  }

  private static Map<String, Object> jsonRow(String name, int cases, BratsCaseScores s) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("mask", name);
    row.put("cases", cases);
    double[] v = displayed(s);
    for (int c = 0; c < v.length; c++) {
      row.put(BratsCaseScores.COLUMNS.get(c), v[c]);
    }
    return row;
  }

  private static String number(double v) {
    return Double.isNaN(v) ? "nan" : String.format(Locale.ROOT, "%.2f", v);
  }

  /** Quotes a CSV field containing a comma, quote or line break (RFC 4180). */
  private static String csvField(String s) {
    if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
      return "\"" + s.replace("\"", "\"\"") + "\"";
    }
    return s;
  }
}
