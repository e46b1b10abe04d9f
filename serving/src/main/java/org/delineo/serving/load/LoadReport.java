package org.delineo.serving.load;

import java.util.List;
import java.util.Locale;

/**
 * The outcome of a {@link LoadRun}.
 *
 * @param requests measured requests sent (warm-up not included)
 * @param threads concurrent senders
 * @param warmup unmeasured requests sent before
 * @param wrong answers that failed {@link AnswerCheck} (or differed from the reference), warm-up
 *     included
 * @param errors requests that threw, warm-up included
 * @param seconds wall time of the measured requests
 * @param p50Millis median latency of the measured requests that were answered (right or wrong)
 * @param p99Millis 99th percentile (nearest rank) of the same
 * @param rssAfterWarmupBytes resident memory after the warm-up (and a GC), -1 where unavailable
 * @param rssEndBytes resident memory after the last request (and a GC), -1 where unavailable
 * @param failures the first few wrong answers and errors, one line each, for diagnosis
 */
public record LoadReport(int requests, int threads, int warmup, int wrong, int errors, double seconds,
    double p50Millis, double p99Millis, long rssAfterWarmupBytes, long rssEndBytes, List<String> failures) {

  private static final double MIB = 1024.0 * 1024.0;

  public LoadReport {
    failures = List.copyOf(failures);
  }

  /** Measured requests per second of wall time. */
  public double throughput() {
    return requests / seconds;
  }

  /** Resident memory gained from the end of the warm-up to the end; 0 where unavailable. */
  public long rssGrowthBytes() {
    return rssAfterWarmupBytes < 0 || rssEndBytes < 0 ? 0 : rssEndBytes - rssAfterWarmupBytes;
  }

  /** One line for people. */
  public String summary() {
    return String.format(Locale.ROOT, "%d requests from %d threads (after %d warm-up): %.1f req/s, p50 %.2f ms,"
            + " p99 %.2f ms; %d wrong, %d errors; RSS %.0f MiB after warm-up, %.0f MiB at the end (%+.1f MiB)",
        requests, threads, warmup, throughput(), p50Millis, p99Millis, wrong, errors, rssAfterWarmupBytes / MIB,
        rssEndBytes / MIB, rssGrowthBytes() / MIB);
  }

  /** One JSON object with the same figures (memory in MiB). */
  public String json() {
    return String.format(Locale.ROOT, "{\"requests\":%d,\"threads\":%d,\"warmup\":%d,\"requests_per_second\":%.3f,"
            + "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"wrong\":%d,\"errors\":%d,\"rss_after_warmup_mb\":%.1f,"
            + "\"rss_end_mb\":%.1f,\"rss_growth_mb\":%.1f}",
        requests, threads, warmup, throughput(), p50Millis, p99Millis, wrong, errors, rssAfterWarmupBytes / MIB,
        rssEndBytes / MIB, rssGrowthBytes() / MIB);
  }
}
