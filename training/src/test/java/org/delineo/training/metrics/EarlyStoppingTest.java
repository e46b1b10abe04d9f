package org.delineo.training.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.proto.EarlyStoppingConfig;
import org.delineo.proto.MetricRule;
import org.delineo.proto.TrainingState;
import org.junit.jupiter.api.Test;

/**
 * Scenarios traced by hand through mmengine's rule: GREATER counts "best + min_delta > current"
 * as no improvement, LESS "best - min_delta < current"; stop when the wait count reaches patience.
 * Values are binary fractions where an exact tie matters, so no tolerance is involved.
 */
class EarlyStoppingTest {

  /** The evaluation (1-based) at which stop was first returned, or -1. */
  private static int stopsAt(EarlyStopping es, double... values) {
    for (int i = 0; i < values.length; i++) {
      if (es.update(values[i]).stop()) {
        return i + 1;
      }
    }
    return -1;
  }

  @Test
  void greaterWithMinDeltaNeedsAnImprovementOfAtLeastMinDelta() {
    EarlyStopping es = new EarlyStopping("val/mIoU", MetricRule.GREATER, 0.1, false, true, 2);
    // 50: -inf+0.1 > 50 no -> best 50. 50.05: 50.1 > 50.05 -> wait 1.
    // 50.2: 50.1 > 50.2 no -> best 50.2, wait 0. 50.25: wait 1. 50.29: 50.3 > 50.29 -> wait 2 = stop.
    assertEquals(5, stopsAt(es, 50.0, 50.05, 50.2, 50.25, 50.29));
    assertEquals(50.2, es.best());
    assertEquals(2, es.waitCount());
  }

  @Test
  void anImprovementOfExactlyMinDeltaCountsAndResetsTheWait() {
    EarlyStopping es = new EarlyStopping("val/mIoU", MetricRule.GREATER, 0.5, false, true, 2);
    assertTrue(es.update(1.0).improved());
    assertFalse(es.update(1.25).improved(), "1.5 > 1.25: below min_delta");
    EarlyStopping.Decision tie = es.update(1.5);
    assertTrue(tie.improved(), "1.0 + 0.5 > 1.5 is false: an improvement");
    assertEquals(0, es.waitCount());
    assertEquals(1.5, es.best());
  }

  @Test
  void lessRuleForLosses() {
    EarlyStopping es = new EarlyStopping("val/loss", MetricRule.LESS, 0.5, false, true, 3);
    // 2.0: +inf-0.5 < 2 no -> best 2. 1.75: 1.5 < 1.75 -> wait 1. 1.25: 1.5 < 1.25 no -> best 1.25.
    // 1.0: 0.75 < 1 -> wait 1. 1.0: wait 2. 0.75: 0.75 < 0.75 no -> best 0.75 (exact tie).
    // 0.5: 0.25 < 0.5 -> wait 1; 0.625: wait 2; 0.375: wait 3 = patience -> stop at evaluation 9.
    assertEquals(9, stopsAt(es, 2.0, 1.75, 1.25, 1.0, 1.0, 0.75, 0.5, 0.625, 0.375));
    assertEquals(0.75, es.best());
  }

  @Test
  void patienceIsExhaustedExactlyAtThePatiencethFailure() {
    EarlyStopping es = new EarlyStopping("val/mIoU", MetricRule.GREATER, 0.0, false, true, 3);
    List<Boolean> stops = new ArrayList<>();
    // 1, 2: improvements. 2 again: with min_delta 0, "2 > 2" is false, so a tie resets the wait.
    // 1.5, 1.9, 1.0: waits 1, 2, 3 -> stop only at the 6th evaluation.
    for (double v : new double[] {1, 2, 2, 1.5, 1.9, 1.0}) {
      stops.add(es.update(v).stop());
    }
    assertEquals(List.of(false, false, false, false, false, true), stops);
    assertEquals(3, es.waitCount());
  }

  @Test
  void nonFiniteMetricStopsAtOnceWhenCheckFinite() {
    EarlyStopping es = new EarlyStopping("val/mIoU", MetricRule.GREATER, 0.1, false, true, 10);
    assertFalse(es.update(40.0).stop());
    EarlyStopping.Decision nan = es.update(Double.NaN);
    assertTrue(nan.stop());
    assertTrue(nan.message().contains("NaN") && nan.message().contains("40.0"), nan.message());
    EarlyStopping inf = new EarlyStopping("val/mIoU", MetricRule.GREATER, 0.1, false, true, 10);
    assertTrue(inf.update(Double.POSITIVE_INFINITY).stop(), "+inf would otherwise be an improvement");
    // Without check_finite mmengine's comparison with NaN is false, so NaN becomes the best.
    EarlyStopping lax = new EarlyStopping("val/mIoU", MetricRule.GREATER, 0.1, false, false, 1);
    assertFalse(lax.update(Double.NaN).stop());
    assertTrue(Double.isNaN(lax.best()));
  }

  @Test
  void missingMetricIsSkippedOrAnErrorWhenStrict() {
    EarlyStopping lenient = new EarlyStopping("val/mIoU", MetricRule.GREATER, 0.1, false, true, 1);
    lenient.update(10.0);
    EarlyStopping.Decision d = lenient.update(Map.of("val/mDice", 5.0));
    assertTrue(d.skipped() && !d.stop());
    assertEquals(0, lenient.waitCount(), "a skipped validation changes nothing");
    assertFalse(lenient.update(Map.of("val/mIoU", 11.0)).stop());
    assertEquals(11.0, lenient.best());

    EarlyStopping strict = new EarlyStopping("val/mIoU", MetricRule.GREATER, 0.1, true, true, 1);
    DelineoException e = assertThrows(DelineoException.class,
        () -> strict.update(Map.of("val/mDice", 5.0)));
    assertTrue(e.getMessage().contains("val/mIoU") && e.getMessage().contains("val/mDice"),
        e.getMessage());
  }

  @Test
  void stateSurvivesACheckpointRoundTrip() {
    double[] values = {1, 3, 2, 2.5, 2.9, 2.2};
    EarlyStopping uninterrupted = new EarlyStopping("m", MetricRule.GREATER, 0.5, false, true, 3);
    int expected = stopsAt(uninterrupted, values);
    // 1, 3: improvements (best 3). 2, 2.5, 2.9: 3.5 > each -> waits 1, 2, 3 -> stop at the 5th.
    assertEquals(5, expected);

    EarlyStopping before = new EarlyStopping("m", MetricRule.GREATER, 0.5, false, true, 3);
    before.update(values[0]);
    before.update(values[1]);
    before.update(values[2]);
    TrainingState saved = before.writeTo(TrainingState.newBuilder()).build();
    EarlyStopping after = new EarlyStopping("m", MetricRule.GREATER, 0.5, false, true, 3);
    after.restoreFrom(saved);
    assertEquals(3.0, after.best());
    assertEquals(1, after.waitCount());
    assertEquals(expected - 3, stopsAt(after, 2.5, 2.9, 2.2));

    EarlyStopping fresh = new EarlyStopping("m", MetricRule.LESS, 0.5, false, true, 3);
    fresh.restoreFrom(TrainingState.getDefaultInstance());
    assertEquals(Double.POSITIVE_INFINITY, fresh.best(), "no saved state: initial best");
  }

  @Test
  void configDefaultsMatchProve() {
    EarlyStopping es = EarlyStopping.fromConfig(EarlyStoppingConfig.getDefaultInstance());
    assertEquals("val/mIoU", es.monitor());
    assertEquals(MetricRule.GREATER, es.rule());
    // min_delta 0.1 read exactly: 50 then 50.1 must count as an improvement of exactly 0.1 only
    // when 50 + 0.1 > 50.1 is false in double arithmetic, which holds for 0.1 but not 0.1f.
    es.update(50.0);
    assertTrue(es.update(50.1).improved());
  }
}
