package org.delineo.training.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.delineo.graph.DelineoException;
import org.delineo.graph.io.SafeFiles;

/**
 * The optional {@code dataset.txt} in a dataset root: {@code key: value} lines describing the
 * data (e.g. {@code classes: 5}, {@code class.1: disk}, {@code ignore_label: 255}); lines starting
 * with {@code #} are comments. Synthetic generators write it; layouts read {@code classes} and
 * {@code channels} from it when present.
 */
public final class DatasetInfo {
  /** The file's name in the dataset root. */
  public static final String FILE_NAME = "dataset.txt";

  private final Map<String, String> entries;
  private final String origin;

  private DatasetInfo(Map<String, String> entries, String origin) {
    this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    this.origin = origin;
  }

  /** A description with these entries, in this order. */
  public static DatasetInfo of(Map<String, String> entries) {
    return new DatasetInfo(entries, FILE_NAME);
  }

  /** Reads {@code root/dataset.txt}, or empty when the file does not exist. */
  public static Optional<DatasetInfo> read(Path root) {
    Path file = root.resolve(FILE_NAME);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new DelineoException("cannot read " + file + ": " + e.getMessage(), e);
    }
    Map<String, String> entries = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new DelineoException(file + " line " + (i + 1) + ": expected 'key: value', found '"
            + line + "'");
      }
      entries.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
    }
    return Optional.of(new DatasetInfo(entries, file.toString()));
  }

  /** The value of a key, if present. */
  public Optional<String> get(String key) {
    return Optional.ofNullable(entries.get(key));
  }

  /**
   * An integer entry, or the fallback when absent.
   *
   * @throws DelineoException when present but not an integer
   */
  public int intValue(String key, int fallback) {
    String value = entries.get(key);
    if (value == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new DelineoException(origin + ": '" + key + "' must be an integer, found '" + value
          + "'");
    }
  }

  /** Writes {@code root/dataset.txt} with a comment header. */
  public void write(Path root, String header) {
    StringBuilder text = new StringBuilder();
    for (String line : header.split("\n", -1)) {
      text.append("# ").append(line).append('\n');
    }
    entries.forEach((k, v) -> text.append(k).append(": ").append(v).append('\n'));
    Path file = root.resolve(FILE_NAME);
    try {
      SafeFiles.durable().writeString(file, text.toString());
    } catch (IOException e) {
      throw new DelineoException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
