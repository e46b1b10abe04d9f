package org.delineo.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.TextFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.delineo.proto.CheckpointIndex;
import org.delineo.proto.MetricRule;
import org.delineo.proto.TrainingState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A power cut right after "checkpoint written" must not leave an index naming a checkpoint whose
 * files never reached the disk. Every fsync a save makes is recorded together with what the index
 * file named at that moment, which gives the order of syncs and index writes on a real disk.
 */
class CheckpointDurabilityTest {
  @TempDir Path dir;

  /** One fsync: the path relative to the checkpoint directory, and what was on disk then. */
  private record Synced(String path, String indexLatest, boolean checkpointPresent) {}

  @Test
  void theCheckpointsFilesAndRenameAreSyncedBeforeTheIndexNamesIt() throws IOException {
    List<Synced> synced = new ArrayList<>();
    Path ckpt;
    try (TinyModel model = new TinyModel(true)) {
      CheckpointManager manager = new CheckpointManager(dir, 3, true, MetricRule.GREATER);
      manager.save(model.session, TrainingState.newBuilder().setStep(1).build(), null);
      manager.syncWith(path -> synced.add(new Synced(stagingAsPlaceholder(dir.relativize(path)),
          indexLatest(), Files.exists(dir.resolve("ckpt-2")))));
      ckpt = manager.save(model.session, TrainingState.newBuilder().setStep(2).build(), null);
    }
    assertEquals("ckpt-2", indexLatest(), "the save ends with the index naming the new checkpoint");

    List<String> written;
    try (Stream<Path> files = Files.list(ckpt)) {
      written = files.map(p -> p.getFileName().toString()).sorted().toList();
    }
    assertEquals(List.of("state.pbtxt", "variables.data-00000-of-00001", "variables.index"), written);
    for (String file : written) {
      // Synced under the staging name: the files were on disk before ckpt-2 could be seen at all.
      assertTrue(synced.contains(new Synced("<staging>/" + file, "ckpt-1", false)),
          file + " synced before the rename and before the index names ckpt-2: " + synced);
    }
    assertTrue(synced.contains(new Synced("<staging>", "ckpt-1", false)),
        "the checkpoint directory's entries synced before the rename: " + synced);
    assertTrue(synced.contains(new Synced("", "ckpt-1", true)),
        "the rename to ckpt-2 synced before the index names it: " + synced);
    assertEquals(new Synced("", "ckpt-2", true), synced.get(synced.size() - 1),
        "the index's own rename synced last: " + synced);
  }

  /** {@code .tmp-ckpt-2-<random>/x} as {@code <staging>/x}, so expectations need not know the name. */
  private static String stagingAsPlaceholder(Path relative) {
    return relative.toString().replaceFirst("^\\.tmp-ckpt-2-[0-9a-f]+", "<staging>");
  }

  /** The checkpoint the index file on disk names as latest ("" without an index). */
  private String indexLatest() {
    Path index = dir.resolve(CheckpointManager.INDEX_FILE);
    try {
      if (!Files.exists(index)) {
        return "";
      }
      CheckpointIndex.Builder b = CheckpointIndex.newBuilder();
      TextFormat.merge(Files.readString(index), b);
      return b.getLatest();
    } catch (IOException e) {
      throw new AssertionError("cannot read " + index, e);
    }
  }
}
