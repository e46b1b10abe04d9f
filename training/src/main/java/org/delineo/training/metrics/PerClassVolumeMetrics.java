package org.delineo.training.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.delineo.graph.DelineoException;

/**
 * Per-class Dice, HD95, ASD and ASSD collected case by case (per volume where the data are
 * volumes, as UniMatch and SSL4MIS evaluate ACDC) and aggregated over cases as mean and
 * population std. The overall figure of a metric is the aggregate over cases of each case's mean
 * over classes, whose mean equals the mean of the per-class means when nothing is NaN.
 */
public final class PerClassVolumeMetrics {
  private final List<Integer> classes;
  private final EmptyMaskRule rule;
  private final List<CaseMetrics> cases = new ArrayList<>();

  /**
   * @param classes the foreground label values to score (e.g. 1, 2, 3 for ACDC RV, Myo, LV)
   * @param rule the empty-mask convention, stated with the results
   */
  public PerClassVolumeMetrics(List<Integer> classes, EmptyMaskRule rule) {
    if (classes.isEmpty()) {
      throw new DelineoException("per-class metrics need at least one class, found none");
    }
    this.classes = List.copyOf(classes);
    this.rule = rule;
  }

  public List<Integer> classes() {
    return classes;
  }

  public EmptyMaskRule rule() {
    return rule;
  }

  /** Scores one case and keeps it. */
  public CaseMetrics add(String caseId, int[] prediction, int[] reference, VoxelGrid grid) {
    CaseMetrics c = CaseMetrics.of(caseId, prediction, reference, grid, classes, rule);
    cases.add(c);
    return c;
  }

  /**
   * Keeps an already scored case.
   *
   * @throws DelineoException when it scored other classes
   */
  public void add(CaseMetrics c) {
    if (!c.classes().equals(classes)) {
      throw new DelineoException("case " + c.caseId() + ": expected classes " + classes
          + ", found " + c.classes());
    }
    cases.add(c);
  }

  /** The cases added so far, in order. */
  public List<CaseMetrics> cases() {
    return List.copyOf(cases);
  }

  /** {@code metric} of class {@code label} over the cases. */
  public Aggregate aggregate(int label, MaskScores.Metric metric) {
    if (!classes.contains(label)) {
      throw new DelineoException("class " + label + " is not scored, scored classes are "
          + classes);
    }
    double[] v = new double[cases.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = metric.of(cases.get(i).forClass(label));
    }
    return Aggregate.of(v);
  }

  /** The per-case class means of {@code metric}, aggregated over the cases. */
  public Aggregate overall(MaskScores.Metric metric) {
    double[] v = new double[cases.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = cases.get(i).classMean(metric);
    }
    return Aggregate.of(v);
  }

  /**
   * A text table: one row per class and a mean row, columns Dice (fraction), HD95, ASD, ASSD as
   * {@code mean ± std}, with the rule and the case count in the header line.
   */
  public String format() {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%d cases, empty-mask rule %s%n", cases.size(),
        rule.name()));
    String row = "%-6s %17s %17s %17s %17s%n";
    out.append(String.format(Locale.ROOT, row, "class", "Dice", "HD95", "ASD", "ASSD"));
    for (int c : classes) {
      out.append(String.format(Locale.ROOT, row, Integer.toString(c),
          cell(aggregate(c, MaskScores.Metric.DICE)), cell(aggregate(c, MaskScores.Metric.HD95)),
          cell(aggregate(c, MaskScores.Metric.ASD)), cell(aggregate(c, MaskScores.Metric.ASSD))));
    }
    out.append(String.format(Locale.ROOT, row, "mean", cell(overall(MaskScores.Metric.DICE)),
        cell(overall(MaskScores.Metric.HD95)), cell(overall(MaskScores.Metric.ASD)),
        cell(overall(MaskScores.Metric.ASSD))));
    return out.toString();
  }

  private static String cell(Aggregate a) {
    return a.count() == 0 ? "nan"
        : String.format(Locale.ROOT, "%.4f ± %.4f", a.mean(), a.std());
  }
}
