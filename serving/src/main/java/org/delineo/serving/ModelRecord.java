package org.delineo.serving;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.delineo.graph.DelineoException;
import org.delineo.graph.io.JsonFormatException;
import org.delineo.graph.io.JsonReader;

/**
 * What a model is, carried with its weights (Tribuo's model provenance is the anchor): the
 * resolved experiment config ({@value #CONFIG_FILE}, protobuf text) and the provenance record
 * ({@value #PROVENANCE_FILE}, a JSON object: the model, the data, the code version, when). A
 * checkpoint holds the two files beside its variables; a SavedModel version holds them in
 * {@value #SAVED_MODEL_FOLDER}, which TF Serving copies along with the version but never reads.
 *
 * <p>The files are written into a directory that is still being staged (a checkpoint's or a
 * version's temporary directory), so a published model has both or, if it predates records,
 * neither.
 *
 * @param configText the resolved config in protobuf text format
 * @param provenanceJson the provenance record, a JSON object
 */
public record ModelRecord(String configText, String provenanceJson) {
  /** The resolved config's file name. */
  public static final String CONFIG_FILE = "config.pbtxt";
  /** The provenance record's file name. */
  public static final String PROVENANCE_FILE = "provenance.json";
  /** Where a SavedModel version directory holds the record. */
  public static final String SAVED_MODEL_FOLDER = "assets.extra/delineo";

  public ModelRecord {
    if (configText == null || provenanceJson == null) {
      throw new IllegalArgumentException("a model record needs both its config and its provenance");
    }
  }

  /** Writes both files into {@code dir}, creating it if missing. */
  public void writeTo(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(CONFIG_FILE), configText, StandardCharsets.UTF_8);
    Files.writeString(dir.resolve(PROVENANCE_FILE), provenanceJson, StandardCharsets.UTF_8);
  }

  /**
   * The record in {@code dir} (a checkpoint directory), or empty when it holds neither file (written
   * before models carried records).
   *
   * @throws DelineoException naming the file when only one of the two is present or one is unreadable
   */
  public static Optional<ModelRecord> readFrom(Path dir) {
    Path config = dir.resolve(CONFIG_FILE);
    Path provenance = dir.resolve(PROVENANCE_FILE);
    boolean hasConfig = Files.isRegularFile(config);
    boolean hasProvenance = Files.isRegularFile(provenance);
    if (!hasConfig && !hasProvenance) {
      return Optional.empty();
    }
    if (hasConfig != hasProvenance) {
      Path missing = hasConfig ? provenance : config;
      throw new DelineoException("model record in " + dir + " is incomplete: expected " + CONFIG_FILE + " and "
          + PROVENANCE_FILE + ", found no " + missing.getFileName());
    }
    return Optional.of(new ModelRecord(read(config), read(provenance)));
  }

  /** The record of the SavedModel version directory {@code versionDir} ({@value #SAVED_MODEL_FOLDER}), as {@link #readFrom}. */
  public static Optional<ModelRecord> ofSavedModel(Path versionDir) {
    return readFrom(versionDir.resolve(SAVED_MODEL_FOLDER));
  }

  /**
   * The provenance record parsed ({@link JsonReader}: objects are insertion-ordered maps, integers
   * {@code Long}).
   *
   * @throws DelineoException when it is not a JSON object
   */
  @SuppressWarnings("unchecked")
  public Map<String, Object> provenance() {
    Object parsed;
    try {
      parsed = JsonReader.parse(provenanceJson);
    } catch (JsonFormatException e) {
      throw new DelineoException(PROVENANCE_FILE + ": " + e.getMessage(), e);
    }
    if (!(parsed instanceof Map)) {
      throw new DelineoException(PROVENANCE_FILE + ": expected a JSON object, found "
          + (parsed == null ? "null" : parsed.getClass().getSimpleName()));
    }
    return (Map<String, Object>) parsed;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new DelineoException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
