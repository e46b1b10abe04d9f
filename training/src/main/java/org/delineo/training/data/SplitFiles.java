package org.delineo.training.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which file lists the samples of each split: {@code <root>/splits/<split>.txt} unless a file was
 * given for that split (the config's {@code data.train_split} and its siblings). A standard file
 * may be absent (its split is then empty, or the layout's own split applies when no split file is
 * present at all); a given file must exist. Immutable.
 */
public final class SplitFiles {
  private final Map<Split, Path> files;
  private final Set<Split> given;

  private SplitFiles(Map<Split, Path> files, Set<Split> given) {
    this.files = files;
    this.given = given;
  }

  /** The standard files {@code root/splits/{train,val,test}.txt}, none given. */
  public static SplitFiles standard(Path root) {
    Map<Split, Path> files = new EnumMap<>(Split.class);
    for (Split split : Split.values()) {
      files.put(split, root.resolve(DatasetSplits.SPLITS_DIR).resolve(split.fileName()));
    }
    return new SplitFiles(files, EnumSet.noneOf(Split.class));
  }

  /** These files with {@code file} given for {@code split} in place of its standard file. */
  public SplitFiles with(Split split, Path file) {
    Map<Split, Path> copy = new EnumMap<>(files);
    copy.put(split, file);
    Set<Split> givenCopy = given.isEmpty() ? EnumSet.noneOf(Split.class) : EnumSet.copyOf(given);
    givenCopy.add(split);
    return new SplitFiles(copy, givenCopy);
  }

  /** The file listing {@code split}'s samples (it may not exist unless {@link #given}). */
  public Path file(Split split) {
    return files.get(split);
  }

  /** Whether the file of {@code split} was given rather than standard, so that it must exist. */
  public boolean given(Split split) {
    return given.contains(split);
  }

  /** Whether any split's file exists: then the files, not the layout, define the splits. */
  public boolean anyPresent() {
    return files.values().stream().anyMatch(Files::isRegularFile);
  }

  /** The existing files, for logs and error messages. */
  public String describe() {
    List<String> present = new ArrayList<>();
    for (Split split : Split.values()) {
      if (Files.isRegularFile(files.get(split))) {
        present.add(files.get(split).toString());
      }
    }
    return "split files " + String.join(", ", present);
  }
}
