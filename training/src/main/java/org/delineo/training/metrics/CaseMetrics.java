package org.delineo.training.metrics;

import java.util.ArrayList;
import java.util.List;
import org.delineo.graph.DelineoException;

/**
 * Dice, HD95, ASD and ASSD of every listed foreground class for one labelled case (a volume, or a
 * 2-D image), e.g. ACDC classes 1..3 scored per volume with the spacing of the caller's choice
 * (SSL4MIS uses [10, 1, 1] mm; state it with the numbers).
 *
 * @param caseId the case's name
 * @param classes the scored label values, in order
 * @param scores one entry per class, in the order of {@code classes}
 */
public record CaseMetrics(String caseId, List<Integer> classes, List<MaskScores> scores) {

  /** Copies the lists and checks they match. */
  public CaseMetrics {
    classes = List.copyOf(classes);
    scores = List.copyOf(scores);
    if (classes.size() != scores.size()) {
      throw new DelineoException("case " + caseId + ": " + classes.size() + " classes "
          + classes + " need as many scores, found " + scores.size());
    }
  }

  /**
   * Scores each class c of {@code classes} as the binary masks (label == c) of prediction and
   * reference, under {@code rule}.
   */
  public static CaseMetrics of(String caseId, int[] prediction, int[] reference, VoxelGrid grid,
      List<Integer> classes, EmptyMaskRule rule) {
    grid.requireLength(prediction.length, "case " + caseId + " prediction");
    grid.requireLength(reference.length, "case " + caseId + " reference");
    List<MaskScores> scores = new ArrayList<>();
    for (int c : classes) {
      scores.add(rule.score(equalTo(prediction, c), equalTo(reference, c), grid));
    }
    return new CaseMetrics(caseId, classes, scores);
  }

  /**
   * The scores of class {@code label}.
   *
   * @throws DelineoException when the class was not scored
   */
  public MaskScores forClass(int label) {
    int i = classes.indexOf(label);
    if (i < 0) {
      throw new DelineoException("case " + caseId + ": class " + label + " was not scored,"
          + " scored classes are " + classes);
    }
    return scores.get(i);
  }

  /** The mean of {@code metric} over this case's classes (NaN values skipped). */
  public double classMean(MaskScores.Metric metric) {
    double[] v = new double[scores.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = metric.of(scores.get(i));
    }
    return Aggregate.of(v).mean();
  }

  private static boolean[] equalTo(int[] labels, int c) {
    boolean[] out = new boolean[labels.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = labels[i] == c;
    }
    return out;
  }
}
