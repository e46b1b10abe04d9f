package org.delineo.serving;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.proto.serving.FileSystemStoragePathSourceConfig.ServableVersionPolicy;

/**
 * Which versions of a model TF Serving loads (latest N, all, or specific ones) and the labels
 * ({@code stable}, {@code canary}, ...) that name them; becomes a {@code ModelConfig}'s
 * {@code model_version_policy} and {@code version_labels} in {@code models.config}.
 */
public final class ServingVersionPolicy {
  private final int latest; // > 0 for "latest N", 0 otherwise
  private final long[] specific; // null unless "specific"
  private final Map<String, Long> labels;

  private ServingVersionPolicy(int latest, long[] specific, Map<String, Long> labels) {
    this.latest = latest;
    this.specific = specific;
    this.labels = Map.copyOf(labels);
  }

  /** Serve the {@code n} highest versions on disk (TF Serving's default is 1). */
  public static ServingVersionPolicy latest(int n) {
    if (n < 1) {
      throw new DelineoException("latest-versions policy: expected n >= 1, found " + n);
    }
    return new ServingVersionPolicy(n, null, Map.of());
  }

  /** Serve every version on disk. */
  public static ServingVersionPolicy all() {
    return new ServingVersionPolicy(0, null, Map.of());
  }

  /** Serve exactly these versions (pinning, or a stable version beside a canary). */
  public static ServingVersionPolicy specific(long... versions) {
    if (versions.length == 0 || Arrays.stream(versions).anyMatch(v -> v < 0)) {
      throw new DelineoException("specific-versions policy: expected one or more versions >= 0, "
          + "found " + Arrays.toString(versions));
    }
    return new ServingVersionPolicy(0, Arrays.stream(versions).sorted().distinct().toArray(), Map.of());
  }

  /** This policy plus the label {@code label} naming {@code version}. */
  public ServingVersionPolicy withLabel(String label, long version) {
    if (label == null || label.isEmpty()) {
      throw new DelineoException("version label must be non-empty");
    }
    Map<String, Long> more = new LinkedHashMap<>(labels);
    more.put(label, version);
    return new ServingVersionPolicy(latest, specific, more);
  }

  /** Label to version. */
  public Map<String, Long> labels() {
    return labels;
  }

  /** Whether the server loads {@code version} given the versions on disk (ascending). */
  boolean serves(long version, List<Long> onDisk) {
    if (!onDisk.contains(version)) {
      return false;
    }
    if (latest > 0) {
      return onDisk.indexOf(version) >= onDisk.size() - latest;
    }
    return specific == null || Arrays.binarySearch(specific, version) >= 0;
  }

  ServableVersionPolicy toProto() {
    ServableVersionPolicy.Builder b = ServableVersionPolicy.newBuilder();
    if (latest > 0) {
      b.setLatest(ServableVersionPolicy.Latest.newBuilder().setNumVersions(latest));
    } else if (specific != null) {
      ServableVersionPolicy.Specific.Builder s = ServableVersionPolicy.Specific.newBuilder();
      Arrays.stream(specific).forEach(s::addVersions);
      b.setSpecific(s);
    } else {
      b.setAll(ServableVersionPolicy.All.getDefaultInstance());
    }
    return b.build();
  }
}
