package org.delineo.training.data.pipeline;

import org.delineo.training.data.SampleLoadException;
import org.delineo.training.data.Sample;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.training.data.augment.Augmentation;
import org.delineo.training.data.augment.Compose;
import org.delineo.training.data.augment.IntensityShiftScale;
import org.delineo.training.data.augment.RandomCrop;
import org.delineo.training.data.augment.RandomFlip;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The loader's order, determinism, resumption, bounds and failure reporting, on tiny synthetic
 * samples (batch contents compared exactly). Timing enters only through random sleeps meant to
 * scramble thread completion order, and through generous bounds on the wait fraction.
 */
@Timeout(60)
class BatchLoaderTest {
  private static final Augmentation AUGMENT = Compose.of(new RandomCrop(3, 3),
      RandomFlip.allAxes(0.5), new IntensityShiftScale(0.1, 0.1));

  private static List<String> ids(int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add("s" + i);
    }
    return ids;
  }

  private static int index(String id) {
    return Integer.parseInt(id.substring(1));
  }

  /** A 4x4x2 labeled sample whose values identify the id. */
  private static Sample decode(String id) {
    int k = index(id);
    float[] img = new float[4 * 4 * 2];
    int[] lab = new int[16];
    for (int i = 0; i < img.length; i++) {
      img[i] = k * 100 + i;
    }
    for (int i = 0; i < 16; i++) {
      lab[i] = (k + i) % 3;
    }
    return new Sample(id, img, new int[] {4, 4, 2}, lab, new int[] {4, 4}, null);
  }

  private static Sample slowDecode(String id) {
    sleepMillis(ThreadLocalRandom.current().nextInt(6));
    return decode(id);
  }

  private static void sleepMillis(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static BatchLoader.Builder base(int n, Function<String, Sample> decoder) {
    return BatchLoader.builder(ids(n), decoder).augmentation(AUGMENT).batchSize(4).seed(7)
        .shuffle(true).dropLast(false);
  }

  private static List<Batch> drain(BatchLoader loader) {
    List<Batch> out = new ArrayList<>();
    while (loader.hasNext()) {
      out.add(loader.next());
    }
    return out;
  }

  @Test
  void threeSleepyWorkersDeliverWhatOneWorkerDelivers() {
    List<Batch> single;
    try (BatchLoader loader = base(23, BatchLoaderTest::decode).workers(1).prefetch(1).epochs(3)
        .build()) {
      single = drain(loader);
    }
    List<Batch> parallel;
    try (BatchLoader loader = base(23, BatchLoaderTest::slowDecode).workers(3).prefetch(3)
        .epochs(3).build()) {
      parallel = drain(loader);
    }
    assertEquals(3 * 6, single.size(), "23 samples in batches of 4, last kept: 6 per epoch");
    assertEquals(single, parallel);
    assertArrayEquals(new int[] {3, 3, 3, 2}, single.get(5).imageShape(), "last batch holds 3");
    assertArrayEquals(new int[] {3, 3, 3}, single.get(5).labelShape());
    // Each epoch visits every id once, and the orders of the epochs differ.
    List<List<String>> orders = new ArrayList<>();
    for (int e = 0; e < 3; e++) {
      List<String> order = new ArrayList<>();
      for (int b = 0; b < 6; b++) {
        order.addAll(single.get(e * 6 + b).ids());
      }
      assertEquals(new HashSet<>(ids(23)), new HashSet<>(order), "epoch " + e);
      assertEquals(23, order.size());
      orders.add(order);
    }
    assertNotEquals(orders.get(0), orders.get(1));
    assertNotEquals(ids(23), orders.get(0));
  }

  @Test
  void eachSampleIsAugmentedWithTheGeneratorOfItsEpochAndPosition() {
    try (BatchLoader loader = base(10, BatchLoaderTest::decode).workers(2).build()) {
      for (int g = 0; g < 6; g++) {
        int epoch = g / 3;
        int batch = g % 3;
        Batch got = loader.next();
        List<Sample> expected = new ArrayList<>();
        for (int j = 0; j < got.size(); j++) {
          int position = batch * 4 + j;
          long seed = Seeds.mix(7, Seeds.SAMPLE, epoch, position);
          expected.add(AUGMENT.apply(decode(got.ids().get(j)), new SplittableRandom(seed)));
        }
        assertEquals(Batch.stack(expected), got, "epoch " + epoch + " batch " + batch);
      }
    }
  }

  @Test
  void resumingReproducesTheRemainingBatches() {
    List<Batch> reference;
    try (BatchLoader loader = base(10, BatchLoaderTest::decode).epochs(3).build()) {
      reference = drain(loader);
    }
    assertEquals(9, reference.size());
    for (int start = 0; start < 9; start += 4) {
      LoaderPosition pos = new LoaderPosition(start / 3, start % 3);
      try (BatchLoader resumed = base(10, BatchLoaderTest::slowDecode).workers(3).epochs(3)
          .startAt(pos).build()) {
        assertEquals(pos, resumed.state());
        assertEquals(reference.subList(start, 9), drain(resumed), "resumed at " + pos);
      }
    }
    // A running loader: consume, save the state, read on, then seek back to the saved state.
    try (BatchLoader loader = base(10, BatchLoaderTest::slowDecode).workers(3).prefetch(4)
        .epochs(3).build()) {
      for (int i = 0; i < 4; i++) {
        assertEquals(reference.get(i), loader.next());
      }
      LoaderPosition saved = loader.state();
      assertEquals(new LoaderPosition(1, 1), saved);
      assertEquals(1, loader.epoch());
      loader.next();
      loader.next();
      loader.seek(saved.epoch(), saved.batch());
      assertEquals(reference.subList(4, 9), drain(loader));
      loader.seek(0, 2);
      assertEquals(reference.get(2), loader.next());
    }
  }

  @Test
  void neverHoldsMoreThanThePrefetchDepth() {
    int prefetch = 3;
    AtomicInteger consumed = new AtomicInteger();
    AtomicReference<String> violation = new AtomicReference<>();
    Function<String, Sample> watched = id -> {
      int batch = index(id) / 2; // no shuffle, batch size 2
      int seen = consumed.get();
      if (batch > seen + prefetch) {
        violation.compareAndSet(null, "decoded " + id + " of batch " + batch + " after only "
            + seen + " batches were consumed");
      }
      return decode(id);
    };
    try (BatchLoader loader = BatchLoader.builder(ids(40), watched).batchSize(2).workers(3)
        .prefetch(prefetch).shuffle(false).epochs(1).build()) {
      int maxReady = 0;
      while (loader.hasNext()) {
        // Give the workers time to fill the buffer completely, then check the bound.
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (loader.readyBatches() < Math.min(prefetch, 20 - consumed.get())
            && System.nanoTime() < deadline) {
          sleepMillis(1);
        }
        sleepMillis(3);
        int ready = loader.readyBatches();
        assertTrue(ready <= prefetch, ready + " ready batches with prefetch " + prefetch);
        maxReady = Math.max(maxReady, ready);
        loader.next();
        consumed.incrementAndGet();
      }
      assertEquals(prefetch, maxReady, "the buffer should fill up to the prefetch depth");
    }
    assertNull(violation.get());
  }

  @Test
  void aFailingSampleSurfacesFromNextWithItsId() {
    Function<String, Sample> failing = id -> {
      if (id.equals("s5")) {
        throw new IllegalStateException("corrupt file");
      }
      return decode(id);
    };
    try (BatchLoader loader = BatchLoader.builder(ids(12), failing).batchSize(4).workers(3)
        .shuffle(false).build()) {
      assertEquals(List.of("s0", "s1", "s2", "s3"), loader.next().ids());
      SampleLoadException e = assertThrows(SampleLoadException.class, loader::next);
      assertEquals("s5", e.sampleId());
      assertTrue(e.getMessage().contains("'s5'") && e.getMessage().contains("corrupt file"),
          e.getMessage());
      assertTrue(e.getCause() instanceof IllegalStateException);
      assertThrows(SampleLoadException.class, loader::next, "the failure stays at its batch");
      assertEquals(new LoaderPosition(0, 1), loader.state());
    }
    Augmentation badAugment = (s, rng) -> {
      if (s.id().equals("s2")) {
        throw new ArithmeticException("bad augmentation");
      }
      return s;
    };
    try (BatchLoader loader = BatchLoader.builder(ids(4), BatchLoaderTest::decode).batchSize(2)
        .augmentation(badAugment).shuffle(false).build()) {
      loader.next();
      SampleLoadException e = assertThrows(SampleLoadException.class, loader::next);
      assertEquals("s2", e.sampleId());
    }
  }

  @Test
  void unequalShapesInABatchNameIdsAndShapes() {
    Function<String, Sample> mixed = id -> id.equals("s2")
        ? new Sample(id, new float[5 * 4 * 2], new int[] {5, 4, 2}, null, null, null)
        : new Sample(id, new float[4 * 4 * 2], new int[] {4, 4, 2}, null, null, null);
    try (BatchLoader loader = BatchLoader.builder(ids(4), mixed).batchSize(4).shuffle(false)
        .build()) {
      ShapeMismatchException e = assertThrows(ShapeMismatchException.class, loader::next);
      String m = e.getMessage();
      assertTrue(m.contains("[4, 4, 2] (sample 's0')") && m.contains("[5, 4, 2] (sample 's2')"), m);
    }
  }

  @Test
  void dropLastAndEpochLimit() {
    try (BatchLoader loader = base(10, BatchLoaderTest::decode).dropLast(true).epochs(2).build()) {
      assertEquals(2, loader.batchesPerEpoch());
      Set<String> epoch0 = new HashSet<>();
      assertEquals(0, loader.epoch());
      epoch0.addAll(loader.next().ids());
      epoch0.addAll(loader.next().ids());
      assertEquals(8, epoch0.size(), "two full batches of distinct ids");
      assertEquals(1, loader.epoch());
      loader.next();
      loader.next();
      assertFalse(loader.hasNext());
      assertThrows(NoSuchElementException.class, loader::next);
    }
    assertThrows(DelineoException.class,
        () -> base(3, BatchLoaderTest::decode).dropLast(true).build(),
        "3 ids make no full batch of 4");
  }

  @Test
  void waitFractionSeesSlowInputAndSlowSteps() {
    try (BatchLoader slowInput = BatchLoader.builder(ids(8), id -> {
      sleepMillis(15);
      return decode(id);
    }).workers(1).prefetch(1).shuffle(false).build()) {
      for (int i = 0; i < 8; i++) {
        slowInput.next();
      }
      InputWaitStats stats = slowInput.waitStats();
      assertEquals(7, stats.steps(), "the first call is warm-up");
      assertTrue(stats.waitFraction() > 0.5, "input-bound: " + stats);
    }
    try (BatchLoader slowSteps = BatchLoader.builder(ids(8), BatchLoaderTest::decode).workers(2)
        .prefetch(4).shuffle(false).build()) {
      slowSteps.next();
      for (int i = 0; i < 6; i++) {
        sleepMillis(20); // the "training step"
        slowSteps.next();
      }
      assertTrue(slowSteps.waitFraction() < 0.5, "compute-bound: " + slowSteps.waitStats());
      slowSteps.resetWaitStats();
      assertEquals(0, slowSteps.waitStats().steps());
    }
  }

  @Test
  void closeStopsWorkersAndWakesABlockedConsumer() throws Exception {
    BatchLoader loader = BatchLoader.builder(ids(4), id -> {
      sleepMillis(10_000);
      return decode(id);
    }).workers(2).shuffle(false).build();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread consumer = new Thread(() -> {
      try {
        loader.next();
      } catch (Throwable t) {
        thrown.set(t);
      }
    });
    consumer.start();
    sleepMillis(50);
    loader.close();
    consumer.join(5_000);
    assertTrue(thrown.get() instanceof IllegalStateException, "got " + thrown.get());
    assertTrue(loader.terminated(), "workers ended");
    assertThrows(IllegalStateException.class, loader::next);
    loader.close(); // idempotent
  }

  @Test
  void unshuffledOrderIsTheIdOrder() {
    try (BatchLoader loader = BatchLoader.builder(ids(6), BatchLoaderTest::decode).batchSize(3)
        .shuffle(false).workers(2).build()) {
      assertEquals(List.of("s0", "s1", "s2"), loader.next().ids());
      assertEquals(List.of("s3", "s4", "s5"), loader.next().ids());
      assertEquals(List.of("s0", "s1", "s2"), loader.next().ids());
    }
  }
}
