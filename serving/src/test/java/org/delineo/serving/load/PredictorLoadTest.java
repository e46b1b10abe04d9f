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
   * Allowed RSS difference between the ends of two equal runs on one predictor. Measured on this
   * fixture (2-core CI machine): the first run grows ~140-150 MiB over its short warm-up, once,
   * while glibc's per-thread arenas and TensorFlow's allocator fill to their working set (10 000
   * requests grow it no more than 1 000 do); after that, run ends agree within ~10 MiB (484, 482,
   * 485 MiB). Keeping each request's tensors (~100 KiB on average here) would add ~100 MiB per run.
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
      LoadReport first = new LoadRun(plan, predictor::predict)
          .withReference(PointwiseExports::reference, TOLERANCE).run();
      System.out.println("Predictor load, run 1: " + first.summary());
      assertEquals(1000, first.requests());
      assertEquals(0, first.errors(), first.failures().toString());
      assertEquals(0, first.wrong(), first.failures().toString());
      assertTrue(first.p50Millis() > 0 && first.p50Millis() <= first.p99Millis(), first.summary());
      assertTrue(first.rssEndBytes() > 0, "Linux /proc/self/status VmRSS: " + first.summary());

      LoadReport second = new LoadRun(plan, predictor::predict).run();
      System.out.println("Predictor load, run 2: " + second.summary());
      assertEquals(0, second.errors() + second.wrong(), second.failures().toString());
      long growth = second.rssEndBytes() - first.rssEndBytes();
      assertTrue(growth < RSS_BOUND, "RSS grew " + (growth >> 20) + " MiB from the end of run 1 to the end of run 2,"
          + " over the " + (RSS_BOUND >> 20) + " MiB bound: " + second.summary());
    }
  }
}
