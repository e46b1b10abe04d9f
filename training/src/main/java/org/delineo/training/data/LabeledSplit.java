package org.delineo.training.data;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.delineo.graph.DelineoException;

/**
 * The labeled and unlabeled parts of a training split for semi-supervised learning, chosen per case
 * (all slices of an ACDC patient are labeled or none is).
 *
 * <p>Choice: the distinct cases, sorted, are shuffled by Fisher-Yates with {@code
 * java.util.Random(seed)} and the first {@code k} are labeled. The order depends only on the seed
 * and the case set, so the same seed gives the same cases, and a larger {@code k} labels a superset
 * of a smaller one (ACDC 1 ⊂ 3 ⊂ 7 patients). With a fraction, {@code k = round(fraction · cases)},
 * at least 1.
 *
 * @param labeled sample ids with labels, in input order
 * @param unlabeled the other sample ids, in input order
 * @param labeledCases the labeled cases, in the order they were drawn
 */
public record LabeledSplit(List<String> labeled, List<String> unlabeled, List<String> labeledCases) {

  public LabeledSplit {
    labeled = List.copyOf(labeled);
    unlabeled = List.copyOf(unlabeled);
    labeledCases = List.copyOf(labeledCases);
  }

  /**
   * The split for a configuration: {@code labeledCases > 0} wins, else {@code labeledFraction}.
   *
   * @throws DelineoException for a count above the number of cases or a fraction outside (0, 1]
   */
  public static LabeledSplit of(List<String> ids, Function<String, String> caseOf,
      int labeledCases, double labeledFraction, long seed) {
    return labeledCases > 0 ? byCount(ids, caseOf, labeledCases, seed)
        : byFraction(ids, caseOf, labeledFraction, seed);
  }

  /** The split of {@code dataset}'s ids in {@code split}, cases from {@link SegmentationDataset#caseOf}. */
  public static LabeledSplit of(SegmentationDataset dataset, Split split, int labeledCases,
      double labeledFraction, long seed) {
    return of(dataset.ids(split), dataset::caseOf, labeledCases, labeledFraction, seed);
  }

  /** {@code cases} labeled cases (ACDC: 1, 3 or 7 patients). */
  public static LabeledSplit byCount(
      List<String> ids, Function<String, String> caseOf, int cases, long seed) {
    List<String> order = caseOrder(ids, caseOf, seed);
    if (cases < 1 || cases > order.size()) {
      throw new DelineoException("labeled cases: expected 1.." + order.size()
          + " (the training cases), found " + cases);
    }
    return take(ids, caseOf, order.subList(0, cases));
  }

  /** {@code round(fraction · cases)} labeled cases, at least one. */
  public static LabeledSplit byFraction(
      List<String> ids, Function<String, String> caseOf, double fraction, long seed) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new DelineoException("labeled fraction: expected a value in (0, 1], found " + fraction);
    }
    List<String> order = caseOrder(ids, caseOf, seed);
    int k = Math.max(1, (int) Math.round(fraction * order.size()));
    return take(ids, caseOf, order.subList(0, Math.min(k, order.size())));
  }

  /** The seeded order in which cases become labeled. */
  static List<String> caseOrder(List<String> ids, Function<String, String> caseOf, long seed) {
    Set<String> distinct = new TreeSet<>();
    for (String id : ids) {
      distinct.add(caseOf.apply(id));
    }
    if (distinct.isEmpty()) {
      throw new DelineoException("labeled split: the training split has no samples");
    }
    List<String> order = new ArrayList<>(distinct);
    Random random = new Random(seed);
    for (int i = order.size() - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      String swap = order.get(i);
      order.set(i, order.get(j));
      order.set(j, swap);
    }
    return order;
  }

  private static LabeledSplit take(
      List<String> ids, Function<String, String> caseOf, List<String> chosen) {
    Set<String> set = new HashSet<>(chosen);
    List<String> labeled = new ArrayList<>();
    List<String> unlabeled = new ArrayList<>();
    for (String id : ids) {
      (set.contains(caseOf.apply(id)) ? labeled : unlabeled).add(id);
    }
    return new LabeledSplit(labeled, unlabeled, chosen);
  }
}
