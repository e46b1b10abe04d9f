package org.delineo.serving.load;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.delineo.graph.DelineoException;
import org.delineo.serving.Prediction;

/**
 * A load test of one model: sends a {@link LoadPlan}'s requests from its threads through a
 * {@link ModelCall}, checks every answer ({@link AnswerCheck}; optionally against a reference
 * answer for the same input), times each call and reads the resident memory after the warm-up
 * and at the end, so that a leak shows as growth over a run whose working set stays the same.
 *
 * <p>Only the model call is timed, not making its input or checking its answer; throughput is
 * measured requests over the wall time of the measured phase, which does include those.
 *
 * <pre>{@code
 * try (Predictor p = Predictor.load(dir)) {
 *   LoadReport r = new LoadRun(new LoadPlan(1000, 8, 16, LoadPlan.parseSizes("64x64,96x80", 1), 1, 0),
 *       p::predict).run();
 * }
 * }</pre>
 */
public final class LoadRun {
  /** How many failure lines a report keeps. */
  private static final int FAILURES_KEPT = 5;

  private final LoadPlan plan;
  private final ModelCall model;
  private ModelCall reference;
  private double tolerance;

  public LoadRun(LoadPlan plan, ModelCall model) {
    this.plan = plan;
    this.model = model;
  }

  /**
   * Also compares every answer with {@code reference}'s answer for the same input (e.g. a plain-Java
   * model, or the same model called from one thread): probabilities within {@code tolerance},
   * labels equal wherever the reference's top class is not a near tie.
   */
  public LoadRun withReference(ModelCall reference, double tolerance) {
    this.reference = reference;
    this.tolerance = tolerance;
    return this;
  }

  /** Sends the warm-up, then the measured requests, and reports. */
  public LoadReport run() {
    AtomicInteger threadCount = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(plan.threads(), r -> {
      Thread t = new Thread(r, "delineo-load-" + threadCount.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    Phase state = new Phase(plan.classes());
    try {
      state.send(pool, plan.warmup(), true);
      long rssAfterWarmup = settledResidentBytes();
      long start = System.nanoTime();
      long[] latencies = state.send(pool, plan.requests(), false);
      double seconds = (System.nanoTime() - start) / 1e9;
      long rssEnd = settledResidentBytes();
      long[] answered = Arrays.stream(latencies).filter(l -> l >= 0).sorted().toArray();
      return new LoadReport(plan.requests(), plan.threads(), plan.warmup(), state.wrong.get(), state.errors.get(),
          seconds, percentileMillis(answered, 0.50), percentileMillis(answered, 0.99), rssAfterWarmup, rssEnd,
          new ArrayList<>(state.failures));
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Resident memory after a GC, once it has settled: the JVM hands the freed heap back to the
   * system in the background, some time after the GC, so an early reading can still hold a
   * hundred MiB of garbage. Polls every 100 ms until five readings in a row agree within 1 MiB, for
   * at most 5 s.
   */
  static long settledResidentBytes() {
    System.gc();
    long last = ResidentMemory.bytes();
    int stable = 0;
    for (int i = 0; i < 50 && last >= 0 && stable < 5; i++) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      long now = ResidentMemory.bytes();
      stable = Math.abs(now - last) < (1L << 20) ? stable + 1 : 0;
      last = now;
    }
    return last;
  }

  /** Nearest-rank percentile of sorted nanosecond latencies, in ms; NaN when there are none. */
  static double percentileMillis(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(p * sorted.length);
    return sorted[Math.max(0, rank - 1)] / 1e6;
  }

  /** The counts shared by the senders of both phases. */
  private final class Phase {
    final AtomicInteger wrong = new AtomicInteger();
    final AtomicInteger errors = new AtomicInteger();
    final Queue<String> failures = new ConcurrentLinkedQueue<>();
    /** Failures seen so far; a slot counter, since checking the queue's size then adding races. */
    private final AtomicInteger failuresSeen = new AtomicInteger();
    /** The class count answers must have; 0 until the first answer when the plan leaves it open. */
    final AtomicInteger classes;

    Phase(int classes) {
      this.classes = new AtomicInteger(classes);
    }

    /** Sends {@code n} requests from the plan's threads; each one's latency in ns, -1 if it threw. */
    long[] send(ExecutorService pool, int n, boolean warmup) {
      long[] latencies = new long[n];
      AtomicInteger next = new AtomicInteger();
      List<Future<?>> senders = new ArrayList<>();
      for (int t = 0; t < plan.threads(); t++) {
        senders.add(pool.submit(() -> {
          for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
            latencies[i] = one(i, warmup);
          }
        }));
      }
      for (Future<?> sender : senders) {
        try {
          sender.get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new DelineoException("load run interrupted", e);
        } catch (ExecutionException e) {
          // one() counts the model's exceptions: only an Error (e.g. OutOfMemoryError) or a failing
          // reference gets here.
          throw new DelineoException("load run: a sender thread died: " + e.getCause(), e.getCause());
        }
      }
      return latencies;
    }

    /** One request: its latency in ns, or -1 if the call threw. */
    private long one(int i, boolean warmup) {
      int[] shape = plan.shape(i);
      float[] image = plan.input(i, warmup);
      String what = (warmup ? "warm-up request " : "request ") + i + " " + Arrays.toString(shape);
      Prediction answer;
      long start = System.nanoTime();
      try {
        answer = model.predict(image, shape);
      } catch (RuntimeException e) {
        errors.incrementAndGet();
        fail(what + ": " + e);
        return -1;
      }
      long latency = System.nanoTime() - start;
      int[] spatial = Arrays.copyOf(shape, shape.length - 1);
      if (answer != null) {
        classes.compareAndSet(0, answer.numClasses());
      }
      String problem = AnswerCheck.problem(answer, spatial, classes.get());
      if (problem == null && reference != null) {
        problem = AnswerCheck.mismatch(answer, reference.predict(image, shape), tolerance);
      }
      if (problem != null) {
        wrong.incrementAndGet();
        fail(what + ": " + problem);
      }
      return latency;
    }

    private void fail(String line) {
      if (failuresSeen.getAndIncrement() < FAILURES_KEPT) {
        failures.add(line);
      }
    }
  }
}
