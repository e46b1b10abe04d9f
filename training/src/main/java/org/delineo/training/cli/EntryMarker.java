package org.delineo.training.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.delineo.graph.DelineoException;
import org.delineo.graph.io.JsonFormatException;
import org.delineo.graph.io.JsonReader;
import org.delineo.graph.io.SafeFiles;
import org.delineo.training.metrics.BratsCaseScores;
import org.delineo.training.metrics.ConfusionMatrix;
import org.delineo.training.run.Json;

/**
 * {@code DIR/<entry>/done.json}: the durable mark that a grid entry's run ended, holding its row of
 * the ablation table. Written atomically (temporary file, fsync, rename) once the best checkpoint
 * has been evaluated, or once training stopped on a non-finite loss (a re-run with the same seed
 * would diverge again), so its presence means exactly "this entry is done". A run that crashed or
 * was killed leaves none, and re-running its index resumes it from its latest checkpoint.
 *
 * <p>The row is stored as values, not as formatted cells: the confusion matrix's counts (every
 * metric of the table derives from them exactly), the 15-mask averages, the training seconds of
 * the last invocation and the last finite loss, so {@code ablate --collect} formats the same
 * table as a sequential {@code ablate}. Non-finite values are JSON {@code null}.
 *
 * @param index the entry's position in the grid
 * @param row the entry's table row
 * @param numClasses the model's classes (the table's Dice columns)
 * @param modalityMasks whether the table has the 15-mask columns
 */
record EntryMarker(int index, AblationTable.Row row, int numClasses, boolean modalityMasks) {
  /** File name in the entry's run directory. */
  static final String FILE = "done.json";

  /** Whether the run ended without a result (its row holds the error). */
  boolean failed() {
    return !row.error().isEmpty();
  }

  /** One line saying the entry is done and where that is recorded, for re-runs. */
  String describe(Path runDir) {
    return "entry " + index + " (" + row.entry() + ") already " + (failed() ? "failed: " + row.error() : "finished")
        + "; nothing to do (" + runDir.resolve(FILE) + (failed() ? "; delete it to train the entry again)" : ")");
  }

  /** Writes the marker into {@code runDir}, atomically and durably. */
  void write(Path runDir) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("entry", row.entry());
    json.put("index", index);
    json.put("status", failed() ? "failed" : "finished");
    json.put("num_classes", numClasses);
    json.put("modality_masks", modalityMasks);
    ConfusionMatrix m = row.matrix();
    json.put("ignore_index", m == null ? null : m.ignoreIndex());
    json.put("confusion_matrix", m == null ? null : counts(m));
    BratsCaseScores s = row.maskAverage();
    if (s == null) {
      json.put("mask_average", null);
    } else {
      Map<String, Object> scores = new LinkedHashMap<>();
      double[] values = s.values();
      for (int i = 0; i < values.length; i++) {
        scores.put(BratsCaseScores.COLUMNS.get(i), values[i]);
      }
      json.put("mask_average", scores);
    }
    json.put("train_seconds", row.trainSeconds());
    json.put("final_loss", row.lastLoss());
    json.put("error", row.error());
    Path file = runDir.resolve(FILE);
    try {
      SafeFiles.durable().writeString(file, Json.writePretty(json));
    } catch (IOException e) {
      throw new DelineoException("cannot write " + file + ": " + e, e);
    }
  }

  /**
   * The marker in {@code runDir}, empty when there is none (the entry has not ended).
   *
   * @throws DelineoException naming the file and the field when it is unreadable or malformed
   */
  static Optional<EntryMarker> read(Path runDir) {
    Path file = runDir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      Object parsed = JsonReader.parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
      if (!(parsed instanceof Map<?, ?> json)) {
        throw new DelineoException(file + ": expected a JSON object, found another value");
      }
      Fields f = new Fields(file, json);
      ConfusionMatrix matrix = null;
      if (json.get("confusion_matrix") != null) {
        matrix = ConfusionMatrix.ofCounts(f.counts("confusion_matrix"), (int) f.integer("ignore_index"));
      }
      BratsCaseScores maskAverage = null;
      if (json.get("mask_average") instanceof Map<?, ?> scores) {
        double[] values = new double[BratsCaseScores.COLUMNS.size()];
        Fields s = new Fields(file, scores);
        for (int i = 0; i < values.length; i++) {
          values[i] = s.number(BratsCaseScores.COLUMNS.get(i));
        }
        maskAverage = BratsCaseScores.of(values);
      }
      AblationTable.Row row = new AblationTable.Row(f.string("entry"), matrix, maskAverage,
          f.number("train_seconds"), f.number("final_loss"), f.string("error"));
      return Optional.of(new EntryMarker((int) f.integer("index"), row, (int) f.integer("num_classes"),
          f.bool("modality_masks")));
    } catch (IOException e) {
      throw new DelineoException("cannot read " + file + ": " + e, e);
    } catch (JsonFormatException e) {
      throw new DelineoException(e.getMessage(), e);
    }
  }

  private static List<long[]> counts(ConfusionMatrix m) {
    List<long[]> rows = new ArrayList<>();
    for (int t = 0; t < m.numClasses(); t++) {
      long[] row = new long[m.numClasses()];
      for (int p = 0; p < row.length; p++) {
        row[p] = m.count(t, p);
      }
      rows.add(row);
    }
    return rows;
  }

  /** Typed access to a parsed JSON object; a missing or mistyped field is one line naming it. */
  private record Fields(Path file, Map<?, ?> json) {
    String string(String key) {
      if (json.get(key) instanceof String s) {
        return s;
      }
      throw wrong(key, "a string");
    }

    long integer(String key) {
      if (json.get(key) instanceof Long n) {
        return n;
      }
      throw wrong(key, "an integer");
    }

    boolean bool(String key) {
      if (json.get(key) instanceof Boolean b) {
        return b;
      }
      throw wrong(key, "true or false");
    }

    /** A number; {@code null} stands for a non-finite value (JSON has none). */
    double number(String key) {
      Object v = json.get(key);
      if (v == null && json.containsKey(key)) {
        return Double.NaN;
      }
      if (v instanceof Number n) {
        return n.doubleValue();
      }
      throw wrong(key, "a number or null");
    }

    long[][] counts(String key) {
      if (json.get(key) instanceof List<?> rows) {
        long[][] counts = new long[rows.size()][];
        for (int t = 0; t < counts.length; t++) {
          if (!(rows.get(t) instanceof List<?> row)) {
            throw wrong(key, "a list of rows of counts");
          }
          counts[t] = new long[row.size()];
          for (int p = 0; p < counts[t].length; p++) {
            if (!(row.get(p) instanceof Long c)) {
              throw wrong(key, "integer counts");
            }
            counts[t][p] = c;
          }
        }
        return counts;
      }
      throw wrong(key, "a list of rows of counts");
    }

    private DelineoException wrong(String key, String expected) {
      Object v = json.get(key);
      return new DelineoException(file + ": field \"" + key + "\": expected " + expected + ", found "
          + (v == null ? (json.containsKey(key) ? "null" : "nothing") : Json.write(v)));
    }
  }
}
