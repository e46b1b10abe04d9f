package org.delineo.graph.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeFilesTest {
  @TempDir Path dir;

  /** One sync call, with what a reader of the watched path saw at that moment. */
  private record Synced(Path path, String watched) {}

  /** Records each synced path and the content of {@code watched} then ("-" when absent). */
  private static final class Recorder implements FileSync {
    final List<Synced> calls = new ArrayList<>();
    private final Path watched;

    Recorder(Path watched) {
      this.watched = watched;
    }

    @Override
    public void sync(Path path) throws IOException {
      String seen = !Files.exists(watched) ? "-"
          : Files.isDirectory(watched) ? "dir" : Files.readString(watched);
      calls.add(new Synced(path, seen));
    }

    List<Path> paths() {
      return calls.stream().map(Synced::path).toList();
    }
  }

  private List<String> names(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void replacesTheContentAndLeavesOnlyTheTarget() throws IOException {
    Path target = dir.resolve("models.config");
    SafeFiles.durable().writeString(target, "old");
    SafeFiles.durable().writeString(target, "new é");
    assertEquals("new é", Files.readString(target, StandardCharsets.UTF_8));
    assertArrayEquals("new é".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(target));
    assertEquals(List.of("models.config"), names(dir));
  }

  @Test
  void syncsTheTemporaryBeforeTheRenameAndTheDirectoryAfterIt() throws IOException {
    Path target = dir.resolve("checkpoint");
    Files.writeString(target, "old");
    Recorder recorder = new Recorder(target);
    SafeFiles.syncingWith(recorder).writeString(target, "new");

    assertEquals(2, recorder.calls.size(), recorder.calls.toString());
    Synced file = recorder.calls.get(0);
    assertEquals(dir, file.path().getParent());
    assertTrue(file.path().getFileName().toString().startsWith(".tmp-checkpoint-"), file.toString());
    assertEquals("old", file.watched(), "the new bytes are synced before the target changes");
    assertEquals(new Synced(dir, "new"), recorder.calls.get(1), "the rename is synced after it");
  }

  @Test
  void aFailureWhileWritingKeepsTheOldFileAndLeavesNoTemporary() throws IOException {
    Path target = dir.resolve("table.csv");
    SafeFiles.durable().writeString(target, "a,b\n1,2\n");
    IOException e = assertThrows(IOException.class, () -> SafeFiles.durable().write(target, out -> {
      out.write("half a ta".getBytes(StandardCharsets.UTF_8));
      throw new IOException("disk full");
    }));
    assertEquals("disk full", e.getMessage());
    assertEquals("a,b\n1,2\n", Files.readString(target));
    assertEquals(List.of("table.csv"), names(dir));
  }

  @Test
  void aFailedSyncKeepsTheOldFileAndLeavesNoTemporary() throws IOException {
    Path target = dir.resolve("state.pbtxt");
    SafeFiles.durable().writeString(target, "step: 1");
    SafeFiles failing = SafeFiles.syncingWith(p -> {
      throw new IOException("EIO");
    });
    assertThrows(IOException.class, () -> failing.writeString(target, "step: 2"));
    assertEquals("step: 1", Files.readString(target));
    assertEquals(List.of("state.pbtxt"), names(dir));
  }

  @Test
  void contentMayCloseTheStreamToFinishIt() throws IOException {
    Path target = dir.resolve("v.nii.gz");
    byte[] data = new byte[100_000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 31);
    }
    SafeFiles.durable().write(target, out -> {
      try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
        gz.write(data);
      }
    });
    try (InputStream in = new GZIPInputStream(Files.newInputStream(target))) {
      assertArrayEquals(data, in.readAllBytes());
    }
  }

  @Test
  void createsMissingParentsAndSyncsWhereEachWasCreated() throws IOException {
    Path target = dir.resolve("a/b/out.npy");
    Recorder recorder = new Recorder(target);
    SafeFiles.syncingWith(recorder).write(target, new byte[] {1, 2, 3});
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target));
    List<Path> synced = recorder.paths();
    assertEquals(dir.toAbsolutePath(), synced.get(0), synced.toString());
    assertEquals(dir.resolve("a").toAbsolutePath(), synced.get(1), synced.toString());
    assertEquals(dir.resolve("a/b").toAbsolutePath(), synced.get(synced.size() - 1));
  }

  @Test
  void aStagedDirectoryIsSyncedWholeThenPublishedInOneRename() throws IOException {
    Path target = dir.resolve("7");
    Recorder recorder = new Recorder(target);
    SafeFiles files = SafeFiles.syncingWith(recorder);
    Path staging = files.createStagingDirectory(dir, "unet");
    assertTrue(staging.getFileName().toString().startsWith(".tmp-unet-"), staging.toString());
    // As TensorFlow writes a SavedModel: plain writes, nothing synced.
    Files.writeString(staging.resolve("saved_model.pb"), "graph");
    Files.createDirectories(staging.resolve("variables"));
    Files.writeString(staging.resolve("variables/variables.index"), "index");
    Files.writeString(staging.resolve("variables/variables.data-00000-of-00001"), "data");

    files.publishDirectory(staging, target);

    assertEquals(List.of("7"), names(dir));
    assertEquals("data", Files.readString(target.resolve("variables/variables.data-00000-of-00001")));
    List<Synced> calls = recorder.calls;
    List<Path> beforeRename = calls.stream().filter(c -> c.watched().equals("-")).map(Synced::path).toList();
    assertEquals(List.of(staging.resolve("saved_model.pb"), staging.resolve("variables"),
            staging.resolve("variables/variables.data-00000-of-00001"),
            staging.resolve("variables/variables.index"), staging).stream().sorted().toList(),
        beforeRename.stream().sorted().toList(), "every file and directory synced before the rename");
    int variables = beforeRename.indexOf(staging.resolve("variables"));
    assertTrue(beforeRename.indexOf(staging.resolve("variables/variables.index")) < variables
        && beforeRename.indexOf(staging.resolve("variables/variables.data-00000-of-00001")) < variables,
        "a directory after its files: " + beforeRename);
    assertEquals(staging, beforeRename.get(beforeRename.size() - 1));
    assertEquals(new Synced(dir.toAbsolutePath(), "dir"), calls.get(calls.size() - 1),
        "the parent is synced after the rename");
  }

  @Test
  void publishingNeverReplacesAnExistingDirectoryEvenAnEmptyOne() throws IOException {
    Path target = Files.createDirectory(dir.resolve("3"));
    Path staging = SafeFiles.durable().createStagingDirectory(dir, "unet");
    Files.writeString(staging.resolve("saved_model.pb"), "graph");
    assertThrows(FileAlreadyExistsException.class,
        () -> SafeFiles.durable().publishDirectory(staging, target));
    assertEquals(List.of(), names(target));
    assertEquals("graph", Files.readString(staging.resolve("saved_model.pb")));
  }

  @Test
  void aFailedStageLeavesNothingOnceItsStagingIsDeleted() throws IOException {
    Path target = dir.resolve("ckpt-2");
    SafeFiles failing = SafeFiles.syncingWith(p -> {
      throw new IOException("EIO");
    });
    Path staging = SafeFiles.durable().createStagingDirectory(dir, "ckpt-2");
    Files.writeString(staging.resolve("variables.index"), "index");
    assertThrows(IOException.class, () -> failing.publishDirectory(staging, target));
    assertFalse(Files.exists(target), "a stage that could not be synced is not published");
    SafeFiles.deleteTreeQuietly(staging);
    assertEquals(List.of(), names(dir));
  }

  @Test
  void deletesATreeWithoutFollowingLinksAndIgnoresMissingPaths() throws IOException {
    Path outside = Files.createDirectory(dir.resolve("outside"));
    Files.writeString(outside.resolve("keep.txt"), "keep");
    Path tree = dir.resolve("tree");
    Files.createDirectories(tree.resolve("a/b"));
    Files.writeString(tree.resolve("a/b/f.bin"), "x");
    Files.writeString(tree.resolve("g.txt"), "y");
    Files.createSymbolicLink(tree.resolve("a/link"), outside);

    SafeFiles.deleteTreeQuietly(tree);
    SafeFiles.deleteTreeQuietly(dir.resolve("never-there"));

    assertEquals(List.of("outside"), names(dir));
    assertEquals("keep", Files.readString(outside.resolve("keep.txt")));
  }

  @Test
  void deletesASingleFile() throws IOException {
    Path file = Files.writeString(dir.resolve("f"), "x");
    SafeFiles.deleteTreeQuietly(file);
    assertEquals(List.of(), names(dir));
  }

  @Test
  void realFsyncAcceptsFilesAndDirectories() throws IOException {
    // The production syncer on this platform: a file and a directory both sync without error.
    Path file = Files.writeString(dir.resolve("f"), "x");
    FileSync.FSYNC.sync(file);
    FileSync.FSYNC.sync(dir);
    assertEquals("x", Files.readString(file));
  }
}
