package org.delineo.serving.load;

import java.util.Arrays;
import org.delineo.serving.Prediction;

/**
 * Whether an answer can be right for its request, judged from the answer alone: the request's
 * spatial shape, the expected class count, probabilities that are finite, in [0, 1] and sum to 1
 * per voxel, and labels that are a per-voxel argmax of them; optionally also equal to a
 * reference answer for the same input.
 */
final class AnswerCheck {
  /** |sum of a voxel's probabilities − 1| allowed: float32 softmax over a handful of classes. */
  static final double SUM_TOLERANCE = 1e-4;
  /** How far below the voxel's maximum the labelled class's probability may be (float32 ties). */
  static final double ARGMAX_TOLERANCE = 1e-6;

  private AnswerCheck() {}

  /**
   * What is wrong with {@code answer} for a request of spatial size {@code spatial}, or null if
   * nothing is.
   */
  static String problem(Prediction answer, int[] spatial, int classes) {
    if (answer == null) {
      return "no answer (null)";
    }
    if (!Arrays.equals(answer.shape(), spatial)) {
      return "answer of shape " + Arrays.toString(answer.shape()) + ", expected " + Arrays.toString(spatial);
    }
    int k = answer.numClasses();
    if (k != classes) {
      return "answer with " + k + " classes, expected " + classes;
    }
    long voxels = 1;
    for (int s : spatial) {
      voxels *= s;
    }
    float[] p = answer.probabilities();
    int[] labels = answer.labels();
    if (p == null || labels == null || p.length != voxels * k || labels.length != voxels) {
      return "answer with " + (p == null ? 0 : p.length) + " probabilities and " + (labels == null ? 0 : labels.length)
          + " labels, expected " + voxels * k + " and " + voxels;
    }
    for (int v = 0; v < voxels; v++) {
      double sum = 0;
      float max = Float.NEGATIVE_INFINITY;
      for (int c = 0; c < k; c++) {
        float q = p[v * k + c];
        if (!(q >= 0 && q <= 1)) {
          return "probability " + q + " at voxel " + v + " class " + c + ", expected a value in [0, 1]";
        }
        sum += q;
        max = Math.max(max, q);
      }
      if (Math.abs(sum - 1) > SUM_TOLERANCE) {
        return "probabilities of voxel " + v + " sum to " + sum + ", expected 1 (tolerance " + SUM_TOLERANCE + ")";
      }
      int label = labels[v];
      if (label < 0 || label >= k || p[v * k + label] < max - ARGMAX_TOLERANCE) {
        return "label " + label + " at voxel " + v + " is not the argmax of its probabilities "
            + Arrays.toString(Arrays.copyOfRange(p, v * k, (v + 1) * k));
      }
    }
    return null;
  }

  /**
   * What differs between {@code answer} and the reference answer for the same input (already
   * checked for shape), or null: probabilities beyond {@code tolerance}, or labels where the
   * reference's top class leads the runner-up by more than twice the tolerance.
   */
  static String mismatch(Prediction answer, Prediction reference, double tolerance) {
    if (!Arrays.equals(answer.shape(), reference.shape()) || answer.numClasses() != reference.numClasses()) {
      return "answer " + answer + " differs in shape from the reference " + reference;
    }
    int k = reference.numClasses();
    float[] p = answer.probabilities();
    float[] r = reference.probabilities();
    for (int i = 0; i < r.length; i++) {
      if (!(Math.abs(p[i] - r[i]) <= tolerance)) {
        return "probability " + p[i] + " at voxel " + i / k + " class " + i % k + ", reference " + r[i]
            + " (tolerance " + tolerance + ")";
      }
    }
    for (int v = 0; v < reference.labels().length; v++) {
      int expected = reference.labels()[v];
      if (answer.labels()[v] != expected && margin(r, v, k, expected) > 2 * tolerance) {
        return "label " + answer.labels()[v] + " at voxel " + v + ", reference " + expected;
      }
    }
    return null;
  }

  /** How far class {@code top}'s probability leads the best other class at voxel {@code v}. */
  private static double margin(float[] p, int v, int k, int top) {
    float other = Float.NEGATIVE_INFINITY;
    for (int c = 0; c < k; c++) {
      if (c != top) {
        other = Math.max(other, p[v * k + c]);
      }
    }
    return p[v * k + top] - other;
  }
}
