package org.delineo.training.data.pipeline;

import org.delineo.training.data.Sample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.delineo.graph.ShapeMismatchException;

/**
 * A stack of equally shaped samples, ready to feed: images {@code [N, ...sample image shape]} and
 * labels {@code [N, ...spatial shape]}, both row-major and concatenated in {@code ids} order.
 * Equality compares contents.
 *
 * @param ids sample ids, in batch order
 * @param images the images concatenated
 * @param imageShape {@code [N, H, W, C]} or {@code [N, D, H, W, M]}
 * @param labels the labels concatenated, or null when the samples are unlabeled
 * @param labelShape {@code [N, H, W]} or {@code [N, D, H, W]}, or null when unlabeled
 */
public record Batch(
    List<String> ids, float[] images, int[] imageShape, int[] labels, int[] labelShape) {

  public Batch {
    ids = List.copyOf(ids);
  }

  /**
   * Stacks {@code samples}. All must have the same image shape and all or none a label, otherwise
   * a {@link ShapeMismatchException} names the first sample (expected) and the first that differs.
   */
  public static Batch stack(List<Sample> samples) {
    if (samples.isEmpty()) {
      throw new IllegalArgumentException("a batch needs at least one sample");
    }
    Sample first = samples.get(0);
    List<String> ids = new ArrayList<>(samples.size());
    for (Sample s : samples) {
      if (!Arrays.equals(s.imageShape(), first.imageShape())) {
        throw new ShapeMismatchException(
            "samples of one batch must have equal shapes: expected image shape "
                + Arrays.toString(first.imageShape()) + " (sample '" + first.id() + "'), found "
                + Arrays.toString(s.imageShape()) + " (sample '" + s.id() + "')");
      }
      if (s.labeled() != first.labeled()) {
        throw new ShapeMismatchException(
            "samples of one batch must all be labeled or all unlabeled: sample '" + first.id()
                + "' is " + (first.labeled() ? "labeled" : "unlabeled") + ", sample '" + s.id()
                + "' is " + (s.labeled() ? "labeled" : "unlabeled"));
      }
      ids.add(s.id());
    }
    int n = samples.size();
    int imageSize = first.image().length;
    float[] images = new float[n * imageSize];
    for (int i = 0; i < n; i++) {
      System.arraycopy(samples.get(i).image(), 0, images, i * imageSize, imageSize);
    }
    int[] imageShape = prepend(n, first.imageShape());
    if (!first.labeled()) {
      return new Batch(ids, images, imageShape, null, null);
    }
    int labelSize = first.label().length;
    int[] labels = new int[n * labelSize];
    for (int i = 0; i < n; i++) {
      System.arraycopy(samples.get(i).label(), 0, labels, i * labelSize, labelSize);
    }
    return new Batch(ids, images, imageShape, labels, prepend(n, first.labelShape()));
  }

  /** Number of samples N. */
  public int size() {
    return ids.size();
  }

  /** Whether the batch carries labels. */
  public boolean labeled() {
    return labels != null;
  }

  private static int[] prepend(int n, int[] shape) {
    int[] out = new int[shape.length + 1];
    out[0] = n;
    System.arraycopy(shape, 0, out, 1, shape.length);
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Batch b
        && ids.equals(b.ids)
        && Arrays.equals(images, b.images)
        && Arrays.equals(imageShape, b.imageShape)
        && Arrays.equals(labels, b.labels)
        && Arrays.equals(labelShape, b.labelShape);
  }

  @Override
  public int hashCode() {
    return Objects.hash(ids, Arrays.hashCode(images), Arrays.hashCode(imageShape),
        Arrays.hashCode(labels), Arrays.hashCode(labelShape));
  }

  @Override
  public String toString() {
    return "Batch" + ids + " image " + Arrays.toString(imageShape)
        + (labels == null ? "" : " label " + Arrays.toString(labelShape));
  }
}
