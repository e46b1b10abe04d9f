package org.delineo.training.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.delineo.graph.DelineoException;

/**
 * A volume dataset (ACDC, PROMISE12, synthetic medical2d) seen as 2D slices for training: one
 * sample per axial slice, id {@code <volume>#<slice>} (slice counted from 0 along D), image {@code
 * [H, W, C]}, labels {@code [H, W]}, spacing {@code [sy, sx]}. Evaluation stays per volume on the
 * wrapped dataset ({@link #volumes()}).
 *
 * <p>Intensities are min-max scaled to [0, 1] per volume and per channel (SSL4MIS's ACDC
 * preprocessing, {@code (image - image.min()) / (image.max() - image.min())} over the whole
 * volume before slicing, which UniMatch's h5 files carry; no percentile clipping); a constant
 * volume becomes 0.
 *
 * <p>Slice counts are only known after reading a volume, so the first {@link #ids} call reads each
 * volume of that split once. Decoded, scaled volumes are kept in a small LRU cache ({@code
 * cachedVolumes}), since random slice order would otherwise decode a whole volume per slice.
 * Thread-safe.
 */
public final class SliceDataset implements SegmentationDataset {
  /** Separator between the volume id and the slice index in a slice id. */
  public static final char SEPARATOR = '#';
  /** Volumes kept decoded by default. */
  public static final int DEFAULT_CACHED_VOLUMES = 64;

  private final SegmentationDataset volumes;
  private final Map<String, Integer> depths = new ConcurrentHashMap<>();
  private final Map<String, Sample> cache;

  /** Slices of {@code volumes} with the default cache size. */
  public SliceDataset(SegmentationDataset volumes) {
    this(volumes, DEFAULT_CACHED_VOLUMES);
  }

  /**
   * Slices of {@code volumes}, keeping up to {@code cachedVolumes} scaled volumes in memory.
   *
   * @throws DelineoException when {@code volumes} is not a volume dataset
   */
  public SliceDataset(SegmentationDataset volumes, int cachedVolumes) {
    if (!volumes.is3d()) {
      throw new DelineoException("SliceDataset: expected a volume dataset, found 2D dataset "
          + volumes.name());
    }
    if (cachedVolumes < 1) {
      throw new DelineoException("SliceDataset: expected at least 1 cached volume, found "
          + cachedVolumes);
    }
    this.volumes = volumes;
    this.cache = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Sample> eldest) {
        return size() > cachedVolumes;
      }
    };
  }

  /** The wrapped volume dataset (evaluation is per volume). */
  public SegmentationDataset volumes() {
    return volumes;
  }

  /** The volume id of slice id {@code id} ({@code patient001_frame01#3} → {@code patient001_frame01}). */
  public static String volumeOf(String id) {
    int at = id.lastIndexOf(SEPARATOR);
    if (at <= 0) {
      throw new DelineoException("slice id '" + id + "': expected <volume>" + SEPARATOR
          + "<slice>");
    }
    return id.substring(0, at);
  }

  /** The slice index of slice id {@code id}. */
  public static int sliceOf(String id) {
    String index = id.substring(volumeOf(id).length() + 1);
    try {
      return Integer.parseInt(index);
    } catch (NumberFormatException e) {
      throw new DelineoException("slice id '" + id + "': expected a slice number after '"
          + SEPARATOR + "', found '" + index + "'");
    }
  }

  /** The slice id of slice {@code slice} of volume {@code volumeId}. */
  public static String sliceId(String volumeId, int slice) {
    return volumeId + SEPARATOR + slice;
  }

  @Override
  public String name() {
    return "slices:" + volumes.name();
  }

  /** Slice ids ordered by volume id, then by slice number (not lexicographically). */
  @Override
  public List<String> ids(Split split) {
    List<String> out = new ArrayList<>();
    for (String volume : volumes.ids(split)) {
      Integer known = depths.get(volume);
      // scaledVolume records the depth itself, so no computeIfAbsent (it would re-enter the map).
      int depth = known != null ? known : scaledVolume(volume).imageShape()[0];
      for (int k = 0; k < depth; k++) {
        out.add(sliceId(volume, k));
      }
    }
    return out;
  }

  @Override
  public Sample load(String id) {
    String volumeId = volumeOf(id);
    int slice = sliceOf(id);
    Sample volume = scaledVolume(volumeId);
    int[] shape = volume.imageShape();
    if (slice < 0 || slice >= shape[0]) {
      throw new DelineoException(name() + ": slice id '" + id + "': volume " + volumeId + " has "
          + shape[0] + " slices (0.." + (shape[0] - 1) + "), found slice " + slice);
    }
    int h = shape[1];
    int w = shape[2];
    int c = shape[3];
    int plane = h * w;
    float[] image = new float[plane * c];
    System.arraycopy(volume.image(), slice * plane * c, image, 0, image.length);
    int[] label = null;
    if (volume.labeled()) {
      label = new int[plane];
      System.arraycopy(volume.label(), slice * plane, label, 0, plane);
    }
    double[] sp = volume.spacing();
    double[] spacing = sp != null && sp.length == 3 ? new double[] {sp[1], sp[2]} : new double[] {1, 1};
    return new Sample(id, image, new int[] {h, w, c}, label, label == null ? null : new int[] {h, w},
        spacing);
  }

  /** The files of the slice's volume. */
  @Override
  public List<Path> files(String id) {
    return volumes.files(volumeOf(id));
  }

  /** The case of a slice: the wrapped dataset's case of its volume (an ACDC patient). */
  @Override
  public String caseOf(String id) {
    return volumes.caseOf(volumeOf(id));
  }

  @Override
  public int numClasses() {
    return volumes.numClasses();
  }

  @Override
  public int channels() {
    return volumes.channels();
  }

  @Override
  public boolean is3d() {
    return false;
  }

  /** The volume with intensities min-max scaled per channel, from the cache when possible. */
  private Sample scaledVolume(String volumeId) {
    synchronized (cache) {
      Sample hit = cache.get(volumeId);
      if (hit != null) {
        return hit;
      }
    }
    // Decoding happens outside the lock; two threads may decode the same volume once each.
    Sample scaled = minMaxScaled(volumes.load(volumeId));
    depths.putIfAbsent(volumeId, scaled.imageShape()[0]);
    synchronized (cache) {
      cache.put(volumeId, scaled);
    }
    return scaled;
  }

  /** Per-channel {@code (x - min) / (max - min)} over the whole volume; 0 when max == min. */
  static Sample minMaxScaled(Sample volume) {
    float[] in = volume.image();
    int c = volume.channels();
    float[] out = new float[in.length];
    for (int ch = 0; ch < c; ch++) {
      float min = Float.POSITIVE_INFINITY;
      float max = Float.NEGATIVE_INFINITY;
      for (int i = ch; i < in.length; i += c) {
        min = Math.min(min, in[i]);
        max = Math.max(max, in[i]);
      }
      double range = (double) max - min;
      for (int i = ch; i < in.length; i += c) {
        out[i] = range > 0 ? (float) ((in[i] - min) / range) : 0f;
      }
    }
    return new Sample(volume.id(), out, volume.imageShape(), volume.label(), volume.labelShape(),
        volume.spacing());
  }
}
