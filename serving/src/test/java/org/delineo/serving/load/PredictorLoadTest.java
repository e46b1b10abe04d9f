package org.delineo.serving.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.delineo.serving.Predictor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 1 000 requests of mixed sizes from 8 threads through one {@link Predictor}: every answer equals
 * the plain-Java model's for the same input, nothing fails, and resident memory stays flat.
 */
class PredictorLoadTest {
  /**
   * Allowed RSS growth from the end of the warm-up to the end (each read after a GC, once
   * settled). Measured on this fixture: +0.5 to +13 MiB per 1 000 requests, and no more after
   * 10 000 than after 1 000 (allocator arenas settling, not per request). Keeping each request's
   * tensors (about 100 KiB on average here) would add about 100 MiB.
   */
  private static final long RSS_BOUND = 64L << 20;
  /** Float32 model vs the double reference rounded to float. */
  private static final double TOLERANCE = 1e-5;

  @TempDir Path dir;

  @Test
  void thousandRequestsFromEightThreadsAnswerLikeThePlainJavaModelWithFlatMemory() throws IOException {
    Path model = PointwiseExports.dynamic2d(dir);
    // Odd and non-square sizes too, so a mix-up between concurrent requests of different shapes shows.
    LoadPlan plan = new LoadPlan(1000, 8, 64,
        LoadPlan.parseSizes("64x64,96x80,48x112,17x33", PointwiseExports.C), 7, PointwiseExports.K);
    try (Predictor predictor = Predictor.load(model)) {
      LoadReport report = new LoadRun(plan, predictor::predict)
          .withReference(PointwiseExports::reference, TOLERANCE).run();
      System.out.println("Predictor load: " + report.summary());
      assertEquals(1000, report.requests());
      assertEquals(0, report.errors(), report.failures().toString());
      assertEquals(0, report.wrong(), report.failures().toString());
      assertTrue(report.p50Millis() > 0 && report.p50Millis() <= report.p99Millis(), report.summary());
      assertTrue(report.rssAfterWarmupBytes() > 0, "Linux /proc/self/status VmRSS: " + report.summary());
      assertTrue(report.rssGrowthBytes() < RSS_BOUND, "RSS growth over " + (RSS_BOUND >> 20) + " MiB: "
          + report.summary());
    }
  }
}
