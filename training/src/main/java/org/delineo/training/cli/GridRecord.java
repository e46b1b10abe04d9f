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
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ConfigDiff;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.run.Json;

/**
 * {@code DIR/grid.json}: what an ablation grid directory holds the runs of, namely the grid as
 * typed, its entries' directory names in grid order, the split the best checkpoints are evaluated
 * on, and the resolved config (protobuf text, {@code --set} applied, defaults explicit). The first
 * of {@code ablate --emit}, an {@code ablate --index} run or a sequential {@code ablate} into DIR
 * writes it; every later one checks that it trains the same grid, so two grids never mix in one
 * directory, and {@code ablate --collect DIR} needs nothing else.
 *
 * @param grid the {@code --grid} value as typed
 * @param entries the entries' directory names, in grid order (the index of an entry is its position)
 * @param split the evaluation split's name ({@code val} or {@code test})
 * @param config the resolved config every entry trains with
 */
record GridRecord(String grid, List<String> entries, String split, ExperimentConfig config) {
  /** File name in the grid directory. */
  static final String FILE = "grid.json";

  GridRecord {
    entries = List.copyOf(entries);
  }

  /** The record of the grid {@code entries} parsed from {@code grid}. */
  static GridRecord of(String grid, List<AblationGrid.Entry> entries, String split, ExperimentConfig config) {
    return new GridRecord(grid, entries.stream().map(AblationGrid.Entry::directory).toList(), split, config);
  }

  /**
   * The record in {@code dir}, empty when it has none.
   *
   * @throws DelineoException naming the file when it is unreadable or not a grid record
   */
  static Optional<GridRecord> read(Path dir) {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      Object parsed = JsonReader.parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
      if (parsed instanceof Map<?, ?> map && map.get("grid") instanceof String grid
          && map.get("entries") instanceof List<?> names && map.get("split") instanceof String split
          && map.get("config") instanceof String configText) {
        List<String> entries = new ArrayList<>();
        for (Object name : names) {
          entries.add(String.valueOf(name));
        }
        ExperimentConfig config = ExperimentConfigLoader.withExplicitDefaults(
            ExperimentConfigLoader.parse(configText, file + " (config)"));
        return Optional.of(new GridRecord(grid, entries, split, config));
      }
      throw new DelineoException(file + ": expected an object with \"grid\", \"entries\", \"split\" and"
          + " \"config\", found another JSON value");
    } catch (IOException e) {
      throw new DelineoException("cannot read " + file + ": " + e, e);
    } catch (JsonFormatException e) {
      throw new DelineoException(e.getMessage(), e);
    }
  }

  /**
   * Checks that {@code dir} holds no record or this one, changing nothing.
   *
   * @throws DelineoException of one line naming what differs (entries, split or config fields)
   */
  void requireSameIn(Path dir) {
    Optional<GridRecord> recorded = read(dir);
    if (recorded.isEmpty()) {
      return;
    }
    GridRecord r = recorded.get();
    List<String> differences = new ArrayList<>();
    if (!r.entries.equals(entries)) {
      differences.add("its grid is '" + r.grid + "' (entries " + String.join(", ", r.entries) + "), this one '"
          + grid + "' (entries " + String.join(", ", entries) + ")");
    }
    if (!r.split.equals(split)) {
      differences.add("its --split is " + r.split + ", this one " + split);
    }
    List<ConfigDiff.Change> changes = ConfigDiff.between(r.config, config);
    if (!changes.isEmpty()) {
      differences.add("its config differs (recorded -> this): " + changes.stream().map(ConfigDiff.Change::toString)
          .reduce((a, b) -> a + "; " + b).orElseThrow());
    }
    if (!differences.isEmpty()) {
      throw new DelineoException("--workdir " + dir + " holds another ablation grid (" + dir.resolve(FILE) + "): "
          + String.join("; ", differences) + "; choose another --workdir or the recorded grid and config");
    }
  }

  /**
   * Writes the record into {@code dir} (created if missing) unless it holds one already (checked
   * by {@link #requireSameIn} beforehand). Index runs starting together may both write it: the
   * write is atomic and their texts are equal.
   */
  void writeIfAbsent(Path dir) {
    Path file = dir.resolve(FILE);
    if (Files.isRegularFile(file)) {
      return;
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("grid", grid);
    json.put("entries", entries);
    json.put("split", split);
    json.put("config", ExperimentConfigLoader.toText(config));
    try {
      SafeFiles.durable().writeString(file, Json.writePretty(json));
    } catch (IOException e) {
      throw new DelineoException("cannot write " + file + ": " + e, e);
    }
  }
}
