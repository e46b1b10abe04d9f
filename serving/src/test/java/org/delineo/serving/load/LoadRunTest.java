package org.delineo.serving.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.serving.Prediction;
import org.junit.jupiter.api.Test;

/**
 * The harness on model calls in plain Java whose defects are known: it must count every wrong
 * answer and error, see a leak in the resident memory, and compute percentiles by nearest rank.
 */
class LoadRunTest {
  private static final int C = PointwiseExports.C;
  private static final int K = PointwiseExports.K;

  private static LoadPlan plan(int requests, int warmup) {
    return new LoadPlan(requests, 4, warmup, LoadPlan.parseSizes("6x5,3x8", C), 3, K);
  }

  @Test
  void rightAnswersPassAndEachKindOfWrongAnswerIsCounted() {
    LoadReport right = new LoadRun(plan(40, 4), PointwiseExports::reference).run();
    assertEquals(0, right.wrong(), right.failures().toString());
    assertEquals(0, right.errors());

    // Every request of the 3x8 shape (odd indices) is answered wrongly, one defect per test.
    List<ModelCall> defects = List.of(
        // Spatial axes swapped: 8x3 for 3x8, the same number of values.
        (x, s) -> swapIfOdd(s, PointwiseExports.reference(x, s)),
        // Labels shifted by one class: not the argmax.
        (x, s) -> s[0] == 3 ? relabel(PointwiseExports.reference(x, s)) : PointwiseExports.reference(x, s),
        // Probabilities halved: they no longer sum to 1.
        (x, s) -> s[0] == 3 ? halve(PointwiseExports.reference(x, s)) : PointwiseExports.reference(x, s));
    for (ModelCall defect : defects) {
      LoadReport r = new LoadRun(plan(40, 4), defect).run();
      assertEquals(20 + 2, r.wrong(), "20 measured + 2 warm-up requests of 3x8: " + r.failures());
      assertEquals(0, r.errors());
      assertEquals(5, r.failures().size(), "the first five kept");
    }

    // Answers of another input than the reference gets (channel 0 shifted by 0.5): still softmaxes.
    LoadReport off = new LoadRun(plan(40, 0), PointwiseExports::reference)
        .withReference((x, s) -> PointwiseExports.reference(shifted(x), s), 1e-5).run();
    assertEquals(40, off.wrong(), off.failures().toString());
  }

  @Test
  void errorsAreCountedAndTheRestStillRuns() {
    LoadReport r = new LoadRun(plan(40, 0), (x, s) -> {
      if (s[0] == 3) {
        throw new DelineoException("refused " + Arrays.toString(s));
      }
      return PointwiseExports.reference(x, s);
    }).run();
    assertEquals(20, r.errors());
    assertEquals(0, r.wrong());
    assertTrue(r.failures().get(0).contains("refused [3, 8, 2]"), r.failures().toString());
  }

  /** A model call that keeps 256 KiB per request: 400 requests hold 100 MiB, which the report must show. */
  @Test
  void aLeakShowsAsResidentMemoryGrowth() {
    List<byte[]> kept = Collections.synchronizedList(new ArrayList<>());
    LoadReport r = new LoadRun(plan(400, 8), (x, s) -> {
      byte[] leak = new byte[256 << 10];
      Arrays.fill(leak, (byte) 1);
      kept.add(leak);
      return PointwiseExports.reference(x, s);
    }).run();
    assertTrue(r.rssGrowthBytes() > 64L << 20, "expected over 64 MiB of growth (100 MiB kept): " + r.summary());
    assertEquals(408, kept.size());
  }

  @Test
  void percentilesAreByNearestRank() {
    long[] ms = new long[100];
    for (int i = 0; i < 100; i++) {
      ms[i] = (i + 1) * 1_000_000L;
    }
    assertEquals(50.0, LoadRun.percentileMillis(ms, 0.50), 0);
    assertEquals(99.0, LoadRun.percentileMillis(ms, 0.99), 0);
    assertEquals(7.0, LoadRun.percentileMillis(new long[] {7_000_000L}, 0.99), 0);
  }

  @Test
  void plansAndSizesAreChecked() {
    assertEquals(List.of("[64, 48, 2]", "[8, 16, 24, 2]"), List.of(
        Arrays.toString(LoadPlan.parseSizes("64x48", 2).get(0)),
        Arrays.toString(LoadPlan.parseSizes("8x16x24", 2).get(0))));
    DelineoException bad = assertThrows(DelineoException.class, () -> LoadPlan.parseSizes("64x64,64", 1));
    assertTrue(bad.getMessage().contains("found '64'"), bad.getMessage());
    assertThrows(DelineoException.class, () -> LoadPlan.parseSizes("64x0", 1));
    DelineoException mixed = assertThrows(DelineoException.class,
        () -> new LoadPlan(1, 1, 0, LoadPlan.parseSizes("8x8,4x4x4", 1), 1, 0));
    assertTrue(mixed.getMessage().contains("one rank"), mixed.getMessage());
    assertThrows(DelineoException.class, () -> new LoadPlan(0, 1, 0, LoadPlan.parseSizes("8x8", 1), 1, 0));
    assertThrows(DelineoException.class, () -> new LoadPlan(1, 0, 0, LoadPlan.parseSizes("8x8", 1), 1, 0));
    // The same request index gives the same input, whichever run or thread makes it.
    LoadPlan p = plan(10, 0);
    assertTrue(Arrays.equals(p.input(5, false), plan(10, 0).input(5, false)));
    assertTrue(!Arrays.equals(p.input(5, false), p.input(5, true)), "warm-up inputs are another stream");
  }

  private static Prediction swapIfOdd(int[] shape, Prediction p) {
    return shape[0] == 3 ? new Prediction(new int[] {p.shape()[1], p.shape()[0]}, K, p.probabilities(), p.labels()) : p;
  }

  private static Prediction relabel(Prediction p) {
    int[] labels = p.labels().clone();
    for (int v = 0; v < labels.length; v++) {
      labels[v] = (labels[v] + 1) % K;
    }
    return new Prediction(p.shape(), K, p.probabilities(), labels);
  }

  private static Prediction halve(Prediction p) {
    float[] q = p.probabilities().clone();
    for (int i = 0; i < q.length; i++) {
      q[i] /= 2;
    }
    return new Prediction(p.shape(), K, q, p.labels());
  }

  private static float[] shifted(float[] x) {
    float[] y = x.clone();
    for (int i = 0; i < y.length; i += C) {
      y[i] += 0.5f;
    }
    return y;
  }
}
