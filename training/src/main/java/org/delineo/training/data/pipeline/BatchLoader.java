package org.delineo.training.data.pipeline;

import org.delineo.training.data.SampleLoadException;
import org.delineo.training.data.Sample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.augment.Augmentation;

/**
 * Decodes and augments samples on worker threads and delivers ready {@link Batch}es in a fixed,
 * reproducible order.
 *
 * <p>Epoch {@code e} visits the ids in an order that depends only on (seed, e) (a seeded
 * Fisher–Yates shuffle, or the given order when shuffling is off), cut into batches of
 * {@code batchSize} (the last partial batch dropped or kept). The sample at position {@code p} of
 * epoch {@code e} is augmented with its own {@link SplittableRandom} seeded from (seed, e, p), so
 * batch contents and order do not depend on the number of workers or on thread timing, and
 * {@link #seek} (or {@link Builder#startAt}) reproduces exactly the batches an uninterrupted run
 * would have seen from that point.
 *
 * <p>With a {@link DataShard} of {@code n} workers ({@link Builder#shard}), batches, epochs and
 * positions stay those of the whole order, but each delivered batch holds only this worker's
 * samples of it (positions {@code index}, {@code index + n}, ...), each augmented exactly as in the
 * whole batch.
 *
 * <p>Workers take single samples, so several of them fill one batch; at most {@code prefetch}
 * batches (being built or ready) exist beyond the last delivered one, which bounds memory. A failure
 * while decoding or augmenting a sample, or samples of unequal shapes in one batch, is rethrown by
 * {@link #next()} when that batch is due ({@link SampleLoadException} naming the sample, or a
 * {@link org.delineo.graph.ShapeMismatchException} naming ids and shapes). Worker threads are
 * daemons; {@link #close()} stops them. One consumer thread calls {@link #next()}.
 */
public final class BatchLoader implements AutoCloseable {
  private static final int CACHED_ORDERS = 3;
  private static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(2);

  private final List<String> ids;
  private final Function<String, Sample> decoder;
  private final Augmentation augmentation;
  private final int batchSize;
  private final DataShard shard;
  private final int prefetch;
  private final long seed;
  private final boolean shuffle;
  private final int batchesPerEpoch;
  private final long totalBatches;
  private final List<Thread> workers = new ArrayList<>();

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition workAvailable = lock.newCondition();
  private final Condition batchReady = lock.newCondition();
  // Guarded by lock.
  private long deliver;
  private long claimBatch;
  private int claimSlot;
  private long generation;
  private boolean closed;
  private final Map<Long, Pending> pending = new HashMap<>();
  private final Map<Integer, int[]> orders = new LinkedHashMap<>(8, 0.75f, true) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<Integer, int[]> eldest) {
      return size() > CACHED_ORDERS;
    }
  };

  // Touched only by the consumer thread, read by anyone under `stats`.
  private final Object stats = new Object();
  private long lastReturnNanos;
  private long steps;
  private long waitNanos;
  private long stepNanos;

  private BatchLoader(Builder b) {
    if (b.ids.isEmpty()) {
      throw new DelineoException("BatchLoader: expected at least one sample id, found none");
    }
    if (b.batchSize < 1 || b.workers < 1 || b.prefetch < 1 || b.epochs < 0) {
      throw new DelineoException("BatchLoader: expected batchSize, workers, prefetch >= 1 and epochs"
          + " >= 0, found batchSize " + b.batchSize + ", workers " + b.workers + ", prefetch "
          + b.prefetch + ", epochs " + b.epochs);
    }
    this.ids = List.copyOf(b.ids);
    this.decoder = b.decoder;
    this.augmentation = b.augmentation;
    this.batchSize = b.batchSize;
    this.shard = b.shard;
    if (b.batchSize % shard.count() != 0 || (!b.dropLast && shard.count() > 1)) {
      throw new DelineoException("BatchLoader: a shard of " + shard.count() + " data-parallel workers needs drop-last and a"
          + " batch size that is a multiple of " + shard.count() + ", found batch size " + b.batchSize
          + (b.dropLast ? "" : " without drop-last"));
    }
    this.prefetch = b.prefetch;
    this.seed = b.seed;
    this.shuffle = b.shuffle;
    int n = ids.size();
    this.batchesPerEpoch = b.dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    if (batchesPerEpoch == 0) {
      throw new DelineoException("BatchLoader: " + n + " samples make no full batch of "
          + batchSize + " with dropLast; expected at least " + batchSize + " ids");
    }
    this.totalBatches = b.epochs == 0 ? Long.MAX_VALUE : (long) b.epochs * batchesPerEpoch;
    long start = globalIndex(b.startEpoch, b.startBatch);
    this.deliver = start;
    this.claimBatch = start;
    for (int i = 0; i < b.workers; i++) {
      Thread t = new Thread(this::work, "delineo-loader-" + i);
      t.setDaemon(true);
      workers.add(t);
    }
    workers.forEach(Thread::start);
  }

  /**
   * A builder over {@code ids} (duplicates allowed), each decoded by {@code decoder}, which is called
   * concurrently from the worker threads and must be thread-safe.
   */
  public static Builder builder(List<String> ids, Function<String, Sample> decoder) {
    return new Builder(ids, decoder);
  }

  /**
   * The next batch, blocking until it is ready. Crosses epoch boundaries by itself.
   *
   * @throws NoSuchElementException after the last batch of a loader limited to some epochs
   * @throws SampleLoadException when a sample of this batch failed to decode or augment
   * @throws org.delineo.graph.ShapeMismatchException when the batch's samples differ in shape
   * @throws IllegalStateException when the loader is closed or the waiting thread is interrupted
   */
  public Batch next() {
    long start = System.nanoTime();
    Batch result;
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("BatchLoader is closed");
      }
      if (deliver >= totalBatches) {
        throw new NoSuchElementException(
            "BatchLoader: all " + totalBatches / batchesPerEpoch + " epochs delivered");
      }
      Pending p;
      while ((p = pending.get(deliver)) == null || !p.done) {
        batchReady.await();
        if (closed) {
          throw new IllegalStateException("BatchLoader was closed while waiting for a batch");
        }
      }
      if (p.error != null) {
        throw p.error;
      }
      pending.remove(deliver);
      deliver++;
      workAvailable.signalAll();
      result = p.batch;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a batch", e);
    } finally {
      lock.unlock();
    }
    long end = System.nanoTime();
    synchronized (stats) {
      if (lastReturnNanos != 0) {
        steps++;
        waitNanos += end - start;
        stepNanos += end - lastReturnNanos;
      }
      lastReturnNanos = end;
    }
    return result;
  }

  /** Whether {@link #next()} has a batch to deliver (always true without an epoch limit). */
  public boolean hasNext() {
    lock.lock();
    try {
      return !closed && deliver < totalBatches;
    } finally {
      lock.unlock();
    }
  }

  /** The epoch of the next batch {@link #next()} returns. */
  public int epoch() {
    return state().epoch();
  }

  /** The position of the next batch {@link #next()} returns; save it to resume. */
  public LoaderPosition state() {
    lock.lock();
    try {
      return new LoaderPosition((int) (deliver / batchesPerEpoch), (int) (deliver % batchesPerEpoch));
    } finally {
      lock.unlock();
    }
  }

  /**
   * Makes {@code batch} of {@code epoch} the next batch delivered, dropping prefetched work; the
   * batches that follow equal those an uninterrupted loader with the same seed delivers there.
   */
  public void seek(int epoch, int batch) {
    long g = globalIndex(epoch, batch);
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("BatchLoader is closed");
      }
      generation++;
      pending.clear();
      deliver = g;
      claimBatch = g;
      claimSlot = 0;
      workAvailable.signalAll();
    } finally {
      lock.unlock();
    }
    synchronized (stats) {
      lastReturnNanos = 0;
    }
  }

  /**
   * The running index over the run (every batch before it counted whole, times the batch size,
   * plus its position in the whole batch) of the {@code i}-th sample this loader delivers in the
   * batch at {@code at}: the same number a single process gives that sample.
   */
  public long sampleDraw(LoaderPosition at, int i) {
    return ((long) at.epoch() * batchesPerEpoch + at.batch()) * batchSize + shard.position(i);
  }

  /** Batches per epoch (after dropping or keeping the last partial one). */
  public int batchesPerEpoch() {
    return batchesPerEpoch;
  }

  /** Number of finished batches waiting to be delivered (never more than the prefetch depth). */
  public int readyBatches() {
    lock.lock();
    try {
      int n = 0;
      for (Pending p : pending.values()) {
        n += p.done ? 1 : 0;
      }
      return n;
    } finally {
      lock.unlock();
    }
  }

  /** Input-wait statistics since construction, the last {@link #seek} or {@link #resetWaitStats()}. */
  public InputWaitStats waitStats() {
    synchronized (stats) {
      return new InputWaitStats(steps, waitNanos, stepNanos);
    }
  }

  /** Fraction of step time the consumer spent blocked in {@link #next()}; see {@link InputWaitStats}. */
  public double waitFraction() {
    return waitStats().waitFraction();
  }

  /** Starts a new measurement window (e.g. after warm-up steps). */
  public void resetWaitStats() {
    synchronized (stats) {
      steps = 0;
      waitNanos = 0;
      stepNanos = 0;
    }
  }

  /** Stops the workers (interrupting decodes in progress) and waits briefly for them to end. */
  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      pending.clear();
      workAvailable.signalAll();
      batchReady.signalAll();
    } finally {
      lock.unlock();
    }
    workers.forEach(Thread::interrupt);
    long deadline = System.nanoTime() + CLOSE_WAIT_NANOS;
    for (Thread t : workers) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      try {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
  }

  /** Whether every worker thread has ended (after {@link #close()}). */
  public boolean terminated() {
    return workers.stream().noneMatch(Thread::isAlive);
  }

  private long globalIndex(int epoch, int batch) {
    if (epoch < 0 || batch < 0 || batch >= batchesPerEpoch) {
      throw new DelineoException("BatchLoader: expected epoch >= 0 and batch in [0, "
          + batchesPerEpoch + "), found epoch " + epoch + " batch " + batch);
    }
    long g = (long) epoch * batchesPerEpoch + batch;
    if (g > totalBatches) {
      throw new DelineoException("BatchLoader: position epoch " + epoch + " batch " + batch
          + " lies beyond the " + totalBatches / batchesPerEpoch + " epochs of this loader");
    }
    return g;
  }

  private void work() {
    while (true) {
      Pending p;
      int slot;
      long gen;
      lock.lock();
      try {
        while (!closed && !(claimBatch < deliver + prefetch && claimBatch < totalBatches)) {
          workAvailable.await();
        }
        if (closed) {
          return;
        }
        long g = claimBatch;
        slot = claimSlot;
        gen = generation;
        p = pending.get(g);
        if (p == null) {
          p = newPending(g);
          pending.put(g, p);
        }
        if (++claimSlot == p.ids.length) {
          claimSlot = 0;
          claimBatch++;
        }
      } catch (InterruptedException e) {
        if (isClosed()) {
          return;
        }
        continue;
      } finally {
        lock.unlock();
      }

      Sample sample = null;
      Throwable failure = null;
      try {
        Sample decoded = decoder.apply(p.ids[slot]);
        if (decoded == null) {
          throw new NullPointerException("decoder returned null");
        }
        sample = augmentation.apply(decoded,
            new SplittableRandom(Seeds.mix(seed, Seeds.SAMPLE, p.epoch, p.firstPosition + shard.position(slot))));
        if (sample == null) {
          throw new NullPointerException("augmentation returned null");
        }
      } catch (Throwable t) {
        failure = t;
      }

      boolean last;
      lock.lock();
      try {
        if (gen != generation || closed) {
          continue;
        }
        p.samples[slot] = sample;
        p.failures[slot] = failure;
        last = --p.remaining == 0;
      } finally {
        lock.unlock();
      }
      if (last) {
        assemble(p, gen);
      }
    }
  }

  /** Stacks a batch whose samples are all done (outside the lock: it copies every sample). */
  private void assemble(Pending p, long gen) {
    Batch batch = null;
    RuntimeException error = null;
    for (int i = 0; i < p.ids.length && error == null; i++) {
      if (p.failures[i] != null) {
        error = new SampleLoadException(p.ids[i], p.epoch, p.firstPosition + shard.position(i), p.failures[i]);
      }
    }
    if (error == null) {
      try {
        batch = Batch.stack(Arrays.asList(p.samples));
      } catch (RuntimeException e) {
        error = e;
      }
    }
    lock.lock();
    try {
      if (gen == generation && !closed) {
        p.batch = batch;
        p.error = error;
        p.done = true;
        p.samples = null;
        batchReady.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** The work record of global batch {@code g}; called under the lock. */
  private Pending newPending(long g) {
    int epoch = (int) (g / batchesPerEpoch);
    int index = (int) (g % batchesPerEpoch);
    int first = index * batchSize;
    int size = Math.min(batchSize, ids.size() - first) / shard.count();
    int[] order = orderOf(epoch);
    String[] batchIds = new String[size];
    for (int i = 0; i < size; i++) {
      batchIds[i] = ids.get(order[first + shard.position(i)]);
    }
    return new Pending(epoch, first, batchIds);
  }

  /** Epoch {@code epoch}'s visiting order: a Fisher–Yates shuffle seeded by (seed, epoch). */
  private int[] orderOf(int epoch) {
    int[] order = orders.get(shuffle ? epoch : 0);
    if (order != null) {
      return order;
    }
    order = new int[ids.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    if (shuffle) {
      SplittableRandom rng = new SplittableRandom(Seeds.mix(seed, Seeds.SHUFFLE, epoch));
      for (int i = order.length - 1; i > 0; i--) {
        int j = rng.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    orders.put(shuffle ? epoch : 0, order);
    return order;
  }

  private boolean isClosed() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  /** One batch in progress or ready (this shard's samples of it). */
  private static final class Pending {
    final int epoch;
    /** The position in the epoch of the whole batch's first sample. */
    final int firstPosition;
    final String[] ids;
    Sample[] samples;
    final Throwable[] failures;
    int remaining;
    boolean done;
    Batch batch;
    RuntimeException error;

    Pending(int epoch, int firstPosition, String[] ids) {
      this.epoch = epoch;
      this.firstPosition = firstPosition;
      this.ids = ids;
      this.samples = new Sample[ids.length];
      this.failures = new Throwable[ids.length];
      this.remaining = ids.length;
    }
  }

  /**
   * Options of a {@link BatchLoader}. Defaults: batch size 1, the whole batch, 2 workers, prefetch 2, seed 0,
   * shuffle on, drop-last on, no epoch limit, identity augmentation, start at epoch 0 batch 0.
   */
  public static final class Builder {
    private final List<String> ids;
    private final Function<String, Sample> decoder;
    private Augmentation augmentation = Augmentation.identity();
    private int batchSize = 1;
    private DataShard shard = DataShard.WHOLE;
    private int workers = 2;
    private int prefetch = 2;
    private long seed;
    private boolean shuffle = true;
    private boolean dropLast = true;
    private int epochs;
    private int startEpoch;
    private int startBatch;

    private Builder(List<String> ids, Function<String, Sample> decoder) {
      this.ids = List.copyOf(ids);
      this.decoder = decoder;
    }

    /** The pipeline applied to each decoded sample (must be thread-safe; ours are). */
    public Builder augmentation(Augmentation augmentation) {
      this.augmentation = augmentation;
      return this;
    }

    /** Samples per batch. */
    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /**
     * The part of every batch this loader delivers ({@link DataShard}); the batch size stays the
     * whole batch's and must be a multiple of the shard count, with drop-last.
     */
    public Builder shard(DataShard shard) {
      this.shard = shard;
      return this;
    }

    /** Number of worker threads decoding and augmenting. */
    public Builder workers(int workers) {
      this.workers = workers;
      return this;
    }

    /** Most batches built or waiting beyond the last delivered one. */
    public Builder prefetch(int prefetch) {
      this.prefetch = prefetch;
      return this;
    }

    /** Seed of the epoch orders and of every sample's augmentation. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Whether each epoch visits the ids in a seeded random order (else in the given order). */
    public Builder shuffle(boolean shuffle) {
      this.shuffle = shuffle;
      return this;
    }

    /** Whether a last batch smaller than the batch size is dropped (else delivered smaller). */
    public Builder dropLast(boolean dropLast) {
      this.dropLast = dropLast;
      return this;
    }

    /** Stop after this many epochs ({@link #hasNext()} turns false); 0 means never. */
    public Builder epochs(int epochs) {
      this.epochs = epochs;
      return this;
    }

    /** Resume: the first batch delivered is batch {@code batch} of epoch {@code epoch}. */
    public Builder startAt(int epoch, int batch) {
      this.startEpoch = epoch;
      this.startBatch = batch;
      return this;
    }

    /** Resume from a saved {@link BatchLoader#state()}. */
    public Builder startAt(LoaderPosition position) {
      return startAt(position.epoch(), position.batch());
    }

    /** Creates the loader and starts its workers. */
    public BatchLoader build() {
      return new BatchLoader(this);
    }
  }
}
