package org.delineo.training.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.delineo.graph.DelineoException;

/**
 * The train / val / test partition of a dataset's sample ids.
 *
 * <p>Where it comes from ({@link #resolve}): when any of the {@link SplitFiles} exists (by default
 * {@code train.txt}, {@code val.txt}, {@code test.txt} in the dataset root's {@code splits/}
 * folder; the config may give other files), those files define the splits (one entry per line;
 * blank lines and lines starting with {@code #} are skipped; a split whose standard file is absent
 * is empty, a given file that is absent is an error). An entry is a sample id or a <em>group</em>
 * (e.g. an ACDC patient, which stands for all of its frames). An unknown entry, or a sample listed
 * in two splits, is an error naming the file.
 *
 * <p>Without split files the split is seeded and deterministic: the distinct groups, sorted, are
 * shuffled by Fisher-Yates with {@code java.util.Random(seed)} (whose sequence the Java
 * specification fixes); the first {@code round(0.15 g)} groups form the test split, the next
 * {@code round(0.15 g)} the validation split, the rest the training split (with at least 3 groups,
 * val and test get at least one each). Splitting by group keeps all frames of one patient in one
 * split. Ids within a split are returned sorted.
 */
public final class DatasetSplits {
  /** The seed layouts use for the fallback split unless given another. */
  public static final long DEFAULT_SEED = 0L;
  /** Fraction of groups in the validation split of the seeded fallback. */
  public static final double VAL_FRACTION = 0.15;
  /** Fraction of groups in the test split of the seeded fallback. */
  public static final double TEST_FRACTION = 0.15;
  /** Folder, relative to the dataset root, holding the split files. */
  public static final String SPLITS_DIR = "splits";

  private final Map<Split, List<String>> ids;
  private final String source;

  private DatasetSplits(Map<Split, List<String>> ids, String source) {
    EnumMap<Split, List<String>> copy = new EnumMap<>(Split.class);
    for (Split split : Split.values()) {
      List<String> list = new ArrayList<>(ids.getOrDefault(split, List.of()));
      Collections.sort(list);
      copy.put(split, List.copyOf(list));
    }
    this.ids = copy;
    this.source = source;
  }

  /** Splits given explicitly (e.g. by a layout's folder structure); each list is sorted. */
  public static DatasetSplits of(Map<Split, List<String>> ids, String source) {
    return new DatasetSplits(ids, source);
  }

  /**
   * The split files if any exists, else the seeded split.
   *
   * @param ids every sample id of the dataset
   * @param groupOf the group a sample belongs to (identity when samples are independent)
   */
  public static DatasetSplits resolve(
      SplitFiles files, List<String> ids, Function<String, String> groupOf, long seed) {
    return files.anyPresent() ? fromFiles(files, ids, groupOf) : seeded(ids, groupOf, seed);
  }

  /**
   * Reads the split files; an absent standard file gives an empty split.
   *
   * @throws DelineoException when a given file is absent, an entry is unknown, or a sample is
   *     listed for two splits (also when one file is given for two splits)
   */
  public static DatasetSplits fromFiles(
      SplitFiles files, List<String> ids, Function<String, String> groupOf) {
    Map<String, List<String>> byGroup = groups(ids, groupOf);
    TreeSet<String> known = new TreeSet<>(ids);
    Map<String, Split> seenIn = new HashMap<>();
    EnumMap<Split, List<String>> result = new EnumMap<>(Split.class);
    for (Split split : Split.values()) {
      Path file = files.file(split);
      List<String> list = new ArrayList<>();
      result.put(split, list);
      if (!Files.isRegularFile(file)) {
        if (files.given(split)) {
          throw new DelineoException("split file " + file + " of the " + split.name().toLowerCase(Locale.ROOT)
              + " split not found");
        }
        continue;
      }
      List<String> lines = readLines(file);
      for (int i = 0; i < lines.size(); i++) {
        String entry = lines.get(i).trim();
        if (entry.isEmpty() || entry.startsWith("#")) {
          continue;
        }
        List<String> members;
        if (known.contains(entry)) {
          members = List.of(entry);
        } else if (byGroup.containsKey(entry)) {
          members = byGroup.get(entry);
        } else {
          throw new DelineoException("split file " + file + " line " + (i + 1) + ": '" + entry
              + "' is neither a sample id nor a group of this dataset (" + ids.size()
              + " samples" + (ids.isEmpty() ? "" : ", e.g. '" + known.first() + "'") + ")");
        }
        for (String id : members) {
          Split previous = seenIn.putIfAbsent(id, split);
          if (previous != null && previous != split) {
            throw new DelineoException("split file " + file + " line " + (i + 1) + ": sample '"
                + id + "' is already listed in " + files.file(previous) + " (the "
                + previous.name().toLowerCase(Locale.ROOT) + " split); a sample belongs to one split");
          }
          if (previous == null) {
            list.add(id);
          }
        }
      }
    }
    return new DatasetSplits(result, files.describe());
  }

  /** The seeded group-wise 70/15/15 split described in the class comment. */
  public static DatasetSplits seeded(List<String> ids, Function<String, String> groupOf, long seed) {
    Map<String, List<String>> byGroup = groups(ids, groupOf);
    List<String> order = new ArrayList<>(byGroup.keySet());
    Random random = new Random(seed);
    for (int i = order.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      String swap = order.get(i);
      order.set(i, order.get(j));
      order.set(j, swap);
    }
    int g = order.size();
    int test = (int) Math.round(g * TEST_FRACTION);
    int val = (int) Math.round(g * VAL_FRACTION);
    if (g >= 3) {
      test = Math.max(test, 1);
      val = Math.max(val, 1);
    }
    EnumMap<Split, List<String>> result = new EnumMap<>(Split.class);
    for (Split split : Split.values()) {
      result.put(split, new ArrayList<>());
    }
    for (int i = 0; i < g; i++) {
      Split split = i < test ? Split.TEST : i < test + val ? Split.VAL : Split.TRAIN;
      result.get(split).addAll(byGroup.get(order.get(i)));
    }
    return new DatasetSplits(result, "seeded 70/15/15 split (seed " + seed + ")");
  }

  /** The sorted ids of one split. */
  public List<String> ids(Split split) {
    return ids.get(split);
  }

  /** Where the split came from, for logs. */
  public String source() {
    return source;
  }

  /** Writes {@code root/splits/{train,val,test}.txt}, one id per line, creating the folder. */
  public void write(Path root) {
    Path dir = root.resolve(SPLITS_DIR);
    for (Split split : Split.values()) {
      Path file = dir.resolve(split.fileName());
      StringBuilder text = new StringBuilder();
      for (String id : ids.get(split)) {
        text.append(id).append('\n');
      }
      try {
        Files.createDirectories(dir);
        Files.writeString(file, text, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new DelineoException("cannot write split file " + file + ": " + e.getMessage(), e);
      }
    }
  }

  private static Map<String, List<String>> groups(
      List<String> ids, Function<String, String> groupOf) {
    Map<String, List<String>> sorted = new TreeMap<>();
    for (String id : ids) {
      sorted.computeIfAbsent(groupOf.apply(id), k -> new ArrayList<>()).add(id);
    }
    Map<String, List<String>> result = new LinkedHashMap<>();
    sorted.forEach((group, members) -> {
      Collections.sort(members);
      result.put(group, members);
    });
    return result;
  }

  private static List<String> readLines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new DelineoException("cannot read split file " + file + ": " + e.getMessage(), e);
    }
  }
}
