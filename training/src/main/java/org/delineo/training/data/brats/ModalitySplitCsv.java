package org.delineo.training.data.brats;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.graph.io.SafeFiles;

/**
 * A case → fixed modality mask table in PASSION's split CSV format
 * ({@code Jun-Jie-Shi/PASSION datasets/BraTS/brats_split/Brats2020_imb_split_mr2468.csv}):
 *
 * <pre>
 * data_name,mask_id,mask,pos_mask_ids
 * HG_BraTS20_Training_002,10,"[True, True, True, False]","[1, 2, 3, 5, 6, 9, 10]"
 * HG_BraTS20_Training_003,2,"[False, False, True, False]",[2]
 * </pre>
 *
 * {@code mask_id} is the {@link ModalityMasks} index of the case's available modalities,
 * {@code mask} the same set over [flair, t1ce, t1, t2], {@code pos_mask_ids} the masks
 * {@code utd_drop} may draw ({@link ModalityMasks#subsetsOf}). When reading, {@code data_name} (or
 * {@code case}) and {@code mask_id} are required; {@code mask} and {@code pos_mask_ids}, when
 * present, must agree with {@code mask_id}.
 */
public final class ModalitySplitCsv {
  /** The header PASSION writes, and this class too. */
  public static final String HEADER = "data_name,mask_id,mask,pos_mask_ids";

  private final String source;
  private final Map<String, Integer> masks;

  private ModalitySplitCsv(String source, Map<String, Integer> masks) {
    this.source = source;
    this.masks = Collections.unmodifiableMap(new LinkedHashMap<>(masks));
  }

  /**
   * A table from case id to mask index (insertion order kept).
   *
   * @param source where the table comes from, used in error messages (a file name)
   */
  public static ModalitySplitCsv of(String source, Map<String, Integer> masks) {
    masks.forEach((id, m) -> ModalityMasks.name(m));
    return new ModalitySplitCsv(source, masks);
  }

  /** Where the table came from (the CSV path, or a description). */
  public String source() {
    return source;
  }

  /** Case id to mask index, in file order. */
  public Map<String, Integer> masks() {
    return masks;
  }

  /**
   * The fixed mask index of {@code caseId}.
   *
   * @throws DelineoException naming the CSV and the case when the case is not listed
   */
  public int maskOf(String caseId) {
    Integer m = masks.get(caseId);
    if (m == null) {
      throw new DelineoException(source + ": no modality mask for case '" + caseId + "' (the CSV"
          + " lists " + masks.size() + " cases; regenerate it with `delineo data mask-split`"
          + " for this split)");
    }
    return m;
  }

  /**
   * Reads a split CSV.
   *
   * @throws DelineoException naming the file (and line) when it is missing or malformed
   */
  public static ModalitySplitCsv read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new DelineoException(file + ": modality split CSV not found", e);
    } catch (IOException e) {
      throw new DelineoException(file + ": cannot read modality split CSV: " + e, e);
    }
    if (lines.isEmpty()) {
      throw new DelineoException(file + ": empty modality split CSV; expected the header "
          + HEADER);
    }
    List<String> header = splitCsvLine(file, 1, strip(lines.get(0)));
    int nameCol = column(header, "data_name", "case");
    int idCol = column(header, "mask_id");
    if (nameCol < 0 || idCol < 0) {
      throw new DelineoException(file + ": expected a header with columns data_name and mask_id"
          + " (" + HEADER + "), found " + lines.get(0));
    }
    int maskCol = column(header, "mask");
    int posCol = column(header, "pos_mask_ids");
    Map<String, Integer> masks = new LinkedHashMap<>();
    for (int i = 1; i < lines.size(); i++) {
      String line = strip(lines.get(i));
      if (line.isBlank()) {
        continue;
      }
      int lineNo = i + 1;
      List<String> cells = splitCsvLine(file, lineNo, line);
      if (cells.size() != header.size()) {
        throw error(file, lineNo, "expected " + header.size() + " columns, found " + cells.size());
      }
      String id = cells.get(nameCol).trim();
      int maskId = parseMaskId(file, lineNo, cells.get(idCol).trim());
      if (maskCol >= 0) {
        boolean[] mask = parseBooleans(file, lineNo, cells.get(maskCol));
        if (!Arrays.equals(mask, ModalityMasks.mask(maskId))) {
          throw error(file, lineNo, "mask " + cells.get(maskCol) + " disagrees with mask_id "
              + maskId + " = " + Arrays.toString(ModalityMasks.mask(maskId))
              + " over [flair, t1ce, t1, t2]");
        }
      }
      if (posCol >= 0) {
        int[] pos = parseInts(file, lineNo, cells.get(posCol));
        if (!Arrays.equals(pos, ModalityMasks.subsetsOf(maskId))) {
          throw error(file, lineNo, "pos_mask_ids " + cells.get(posCol) + " disagrees with"
              + " mask_id " + maskId + ", whose non-empty subsets are "
              + Arrays.toString(ModalityMasks.subsetsOf(maskId)));
        }
      }
      if (masks.put(id, maskId) != null) {
        throw error(file, lineNo, "case '" + id + "' is listed twice");
      }
    }
    return new ModalitySplitCsv(file.toString(), masks);
  }

  /** Writes the table in PASSION's format (quoted like Python's csv module), atomically. */
  public void write(Path file) {
    StringBuilder s = new StringBuilder(HEADER).append('\n');
    masks.forEach((id, m) -> {
      boolean[] mask = ModalityMasks.mask(m);
      StringBuilder bools = new StringBuilder("[");
      for (int i = 0; i < mask.length; i++) {
        bools.append(i == 0 ? "" : ", ").append(mask[i] ? "True" : "False");
      }
      bools.append(']');
      String pos = Arrays.toString(ModalityMasks.subsetsOf(m));
      s.append(quoted(id)).append(',').append(m).append(',').append(quoted(bools.toString()))
          .append(',').append(quoted(pos)).append('\n');
    });
    try {
      SafeFiles.durable().writeString(file, s.toString());
    } catch (IOException e) {
      throw new DelineoException(file + ": cannot write modality split CSV: " + e, e);
    }
  }

  /** Realised missing rate per modality [flair, t1ce, t1, t2] over the listed cases. */
  public double[] missingRates() {
    double[] missing = new double[ModalityMasks.MODALITIES];
    for (int m : masks.values()) {
      boolean[] mask = ModalityMasks.mask(m);
      for (int i = 0; i < mask.length; i++) {
        missing[i] += mask[i] ? 0 : 1;
      }
    }
    for (int i = 0; i < missing.length; i++) {
      missing[i] /= Math.max(1, masks.size());
    }
    return missing;
  }

  private static String strip(String line) {
    return line.startsWith("\uFEFF") ? line.substring(1) : line;
  }

  private static int column(List<String> header, String... names) {
    for (int i = 0; i < header.size(); i++) {
      String h = header.get(i).trim().toLowerCase(Locale.ROOT);
      for (String n : names) {
        if (h.equals(n)) {
          return i;
        }
      }
    }
    return -1;
  }

  private static int parseMaskId(Path file, int line, String cell) {
    int id;
    try {
      id = Integer.parseInt(cell);
    } catch (NumberFormatException e) {
      throw error(file, line, "mask_id must be an integer in [0, 15), found '" + cell + "'");
    }
    if (id < 0 || id >= ModalityMasks.COUNT) {
      throw error(file, line, "mask_id must be in [0, 15), found " + id);
    }
    return id;
  }

  private static List<String> listItems(Path file, int line, String cell) {
    String t = cell.trim();
    if (!t.startsWith("[") || !t.endsWith("]")) {
      throw error(file, line, "expected a list like [True, False] or [1, 2], found '" + cell + "'");
    }
    String inner = t.substring(1, t.length() - 1).trim();
    List<String> items = new ArrayList<>();
    if (!inner.isEmpty()) {
      for (String part : inner.split(",")) {
        items.add(part.trim());
      }
    }
    return items;
  }

  private static boolean[] parseBooleans(Path file, int line, String cell) {
    List<String> items = listItems(file, line, cell);
    boolean[] out = new boolean[items.size()];
    for (int i = 0; i < out.length; i++) {
      String v = items.get(i).toLowerCase(Locale.ROOT);
      if (!v.equals("true") && !v.equals("false")) {
        throw error(file, line, "mask entries must be True or False, found '" + items.get(i) + "'");
      }
      out[i] = v.equals("true");
    }
    return out;
  }

  private static int[] parseInts(Path file, int line, String cell) {
    List<String> items = listItems(file, line, cell);
    int[] out = new int[items.size()];
    for (int i = 0; i < out.length; i++) {
      try {
        out[i] = Integer.parseInt(items.get(i));
      } catch (NumberFormatException e) {
        throw error(file, line, "pos_mask_ids entries must be integers, found '" + items.get(i)
            + "'");
      }
    }
    return out;
  }

  /** Splits one CSV record: commas separate fields, double quotes group, "" is a quote. */
  private static List<String> splitCsvLine(Path file, int line, String text) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean inQuotes = false;
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      if (inQuotes) {
        if (ch == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          cur.append('"');
          i++;
        } else if (ch == '"') {
          inQuotes = false;
        } else {
          cur.append(ch);
        }
      } else if (ch == '"') {
        inQuotes = true;
      } else if (ch == ',') {
        out.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(ch);
      }
    }
    if (inQuotes) {
      throw error(file, line, "unterminated quoted field");
    }
    out.add(cur.toString());
    return out;
  }

  /** Quotes a field only when it needs it (comma, quote), as Python's csv.writer does. */
  private static String quoted(String field) {
    if (field.indexOf(',') < 0 && field.indexOf('"') < 0 && field.indexOf('\n') < 0) {
      return field;
    }
    return '"' + field.replace("\"", "\"\"") + '"';
  }

  private static DelineoException error(Path file, int line, String problem) {
    return new DelineoException(file + ":" + line + ": " + problem);
  }
}
