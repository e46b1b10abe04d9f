package org.delineo.training.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressDisplayTest {

  @Test
  void durationsAsMinutesSecondsOrHours() {
    assertEquals("00:00", ProgressDisplay.formatDuration(0));
    assertEquals("00:59", ProgressDisplay.formatDuration(59.4));
    assertEquals("01:00", ProgressDisplay.formatDuration(59.6));
    assertEquals("59:59", ProgressDisplay.formatDuration(3599));
    assertEquals("1:00:00", ProgressDisplay.formatDuration(3600));
    assertEquals("1:02:05", ProgressDisplay.formatDuration(3725));
    assertEquals("27:46:40", ProgressDisplay.formatDuration(100_000));
    assertEquals("?", ProgressDisplay.formatDuration(Double.NaN));
    assertEquals("?", ProgressDisplay.formatDuration(-1));
  }

  @Test
  void plainLinesEveryNStepsWithRateAndEta() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    long[] now = {0};
    ProgressDisplay display = new ProgressDisplay(
        new PrintStream(bytes, true, StandardCharsets.UTF_8), 100, false, 10, () -> now[0]);
    for (int step = 1; step <= 20; step++) {
      display.update(step, 0.5, 0.01);
      now[0] += 500_000_000L;
    }
    String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
    assertEquals(2, lines.length);
    // Step 1 at t=0 starts the clock; step 10 at t=4.5 s: 9 steps / 4.5 s = 2 it/s; 90 left -> 45 s.
    assertEquals("step 10/100 (10%)  2.00 it/s  ETA 00:45  loss 0.5000  lr 1.00e-02", lines[0]);
    // Step 20 at t=9.5 s: 19 / 9.5 = 2 it/s; 80 left -> 40 s.
    assertEquals("step 20/100 (20%)  2.00 it/s  ETA 00:40  loss 0.5000  lr 1.00e-02", lines[1]);
  }

  @Test
  void terminalRedrawsOneLineAtMostTenTimesASecond() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    long[] now = {0};
    ProgressDisplay display = new ProgressDisplay(
        new PrintStream(bytes, true, StandardCharsets.UTF_8), 4, true, 10, () -> now[0]);
    display.update(1, 1.0, 0.1);
    now[0] = 50_000_000L;
    display.update(2, 1.0, 0.1); // 50 ms after the last draw: skipped
    now[0] = 1_000_000_000L;
    display.update(3, 1.0, 0.1);
    now[0] = 1_010_000_000L;
    display.update(4, 1.0, 0.1); // the last step is always drawn
    display.finish();
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertEquals(3, out.chars().filter(c -> c == '\r').count(), out);
    assertEquals(1, out.chars().filter(c -> c == '\n').count(), "only finish ends the line");
    assertTrue(out.startsWith("\rstep 1/4 (25%)  ? it/s  ETA ?  loss 1.0000"), out);
    // Step 3 at 1 s: 2 steps/s, 1 step left -> ETA 1 s.
    assertTrue(out.contains("\rstep 3/4 (75%)  2.00 it/s  ETA 00:01"), out);
  }

  @Test
  void theStepARunStopsAtIsShownWhateverTheInterval() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    long[] now = {0};
    ProgressDisplay display = new ProgressDisplay(
        new PrintStream(bytes, true, StandardCharsets.UTF_8), 100, false, 10, () -> now[0]);
    display.update(1, 0.5, 0.01);
    now[0] = 1_000_000_000L;
    display.stoppedAt(2, Double.NaN, 0.01);
    // Step 2, one step after step 1, 1 s later: 1 it/s, 98 left -> 98 s.
    assertEquals("step 2/100 (2%)  1.00 it/s  ETA 01:38  loss NaN  lr 1.00e-02\n",
        bytes.toString(StandardCharsets.UTF_8));
  }

  @Test
  void unknownTotalOmitsEta() {
    assertEquals("step 7  3.50 it/s  loss 0.1235  lr 1.00e-03",
        ProgressDisplay.formatLine(7, 0, 3.5, Double.NaN, 0.12345, 0.001));
  }

  @Test
  void lossGuardNamesTheStepAndValue() {
    LossGuard.check(3, 0.25);
    NonFiniteLossException nan = assertThrows(NonFiniteLossException.class,
        () -> LossGuard.check(120, Double.NaN));
    assertTrue(nan.getMessage().contains("step 120") && nan.getMessage().contains("NaN"),
        nan.getMessage());
    assertEquals(120, nan.step());
    NonFiniteLossException inf = assertThrows(NonFiniteLossException.class,
        () -> LossGuard.check(7, Float.POSITIVE_INFINITY));
    assertTrue(inf.getMessage().contains("Infinity") && inf.getMessage().contains("step 7"),
        inf.getMessage());
  }
}
