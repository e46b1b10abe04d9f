package org.delineo.training.export;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.delineo.proto.DataConfig;
import org.delineo.serving.ModelRecord;
import org.delineo.training.run.CheckpointProvenance;
import org.delineo.training.run.Json;
import org.delineo.training.run.Provenance;

/**
 * The {@code provenance.json} of an exported SavedModel: the record of the checkpoint it was
 * exported from ({@link CheckpointProvenance}: the model, step, run, data and training process)
 * where there is one, else the model's own facts, followed by where the weights came from, the
 * served name, when, and the exporting process's code and machine. The version number is the
 * directory's name, chosen only when the version is published, so it is not repeated here.
 */
final class ExportProvenance {
  private ExportProvenance() {}

  /**
   * @param checkpointRecord the record stored with the checkpoint; empty for a state dict or a
   *     checkpoint written before checkpoints carried one
   * @param weights the checkpoint directory or state dict file exported
   * @param servedName the model's name under the export base directory
   */
  static String json(Optional<ModelRecord> checkpointRecord, String model, int numClasses, int inChannels,
      DataConfig data, Path weights, String servedName) {
    Map<String, Object> json = new LinkedHashMap<>();
    checkpointRecord.ifPresent(r -> json.putAll(r.provenance()));
    // The exported graph's own facts; equal to the checkpoint's, whose config it was checked against.
    json.put(CheckpointProvenance.MODEL, model);
    json.put("num_classes", numClasses);
    json.put("in_channels", inChannels);
    if (!json.containsKey("data")) {
      Map<String, Object> dataFacts = new LinkedHashMap<>();
      dataFacts.put("layout", data.getLayout().name());
      dataFacts.put("root", data.getRoot());
      json.put("data", dataFacts);
    }
    json.put("exported_from", weights.toAbsolutePath().toString());
    json.put("model_name", servedName);
    json.put("exported_at", Instant.now().toString());
    json.put("export", Provenance.codeAndMachine());
    return Json.writePretty(json);
  }
}
