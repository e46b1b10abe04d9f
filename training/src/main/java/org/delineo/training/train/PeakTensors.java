package org.delineo.training.train;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.tensorflow.proto.AllocationDescription;
import org.tensorflow.proto.AllocatorMemoryUsed;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.NodeOutput;
import org.tensorflow.proto.RunMetadata;

/**
 * What holds memory at the peak of one traced training iteration: the tensors alive at the moment
 * when most step tensors are alive, grouped by the op type that made them and the op types that
 * still read them afterwards ("Conv ← FusedBatchNormGradV3": convolution outputs kept for the batch
 * norm gradient). The question a user asks when peak RSS is too high, answered from
 * {@code RunOptions.FULL_TRACE} step stats without a memory profiler.
 *
 * <p>How: each node output is a buffer, identified by its address, allocated when its node starts
 * and alive until the last node reading it ends (TF frees a tensor when its last reader is done).
 * An output at the address of one of the node's own inputs (Reshape, Identity, in-place Add) is
 * that input's buffer, not a new one. Readers are taken from the timeline labels
 * ({@code "name = Type(in1, in2:1, ^ctrl)"}); the executed graph is the optimised one, so op types
 * are those Grappler and oneDNN left. Persistent tensors (variables, optimizer slots) are not step
 * tensors and are not counted; {@link #allocatorPeakBytes()} reports the allocator's own high-water
 * mark, which includes them.
 */
public final class PeakTensors {
  /**
   * Live bytes at the peak that one producer type made and the same reader types still need.
   *
   * @param producer op type that allocated the tensors
   * @param laterReaders op types that read them after the peak, sorted ("" when none)
   * @param bytes their allocated bytes
   * @param tensors how many
   */
  public record Holder(String producer, String laterReaders, long bytes, int tensors) {}

  /** One read of a buffer: the reader's op type and when it ended, µs. */
  private record Read(String type, long end) {}

  private static final class Buffer {
    final String producer;
    final long bytes;
    final long start;
    long end;
    final List<Read> reads = new ArrayList<>();

    Buffer(String producer, long bytes, long start) {
      this.producer = producer;
      this.bytes = bytes;
      this.start = start;
      this.end = start;
    }
  }

  private final long peakBytes;
  private final double peakMillis;
  private final long allocatorPeakBytes;
  private final List<Holder> holders;

  private PeakTensors(long peakBytes, double peakMillis, long allocatorPeakBytes, List<Holder> holders) {
    this.peakBytes = peakBytes;
    this.peakMillis = peakMillis;
    this.allocatorPeakBytes = allocatorPeakBytes;
    this.holders = List.copyOf(holders);
  }

  /** The peak over the step stats of every session run of the iteration, in start order. */
  public static PeakTensors of(List<RunMetadata> runs) {
    List<NodeExecStats> nodes = new ArrayList<>();
    long allocatorPeak = 0;
    for (RunMetadata run : runs) {
      for (DeviceStepStats device : run.getStepStats().getDevStatsList()) {
        nodes.addAll(device.getNodeStatsList());
      }
    }
    nodes.sort(Comparator.comparingLong(NodeExecStats::getAllStartMicros));
    Map<String, Buffer> byTensor = new HashMap<>();
    Map<Long, Buffer> byAddress = new HashMap<>();
    List<Buffer> buffers = new ArrayList<>();
    for (NodeExecStats node : nodes) {
      for (AllocatorMemoryUsed m : node.getMemoryList()) {
        allocatorPeak = Math.max(allocatorPeak, m.getAllocatorBytesInUse());
      }
      String label = node.getTimelineLabel();
      String type = OpTimeline.opType(label, node.getNodeName());
      long end = node.getAllStartMicros() + node.getAllEndRelMicros();
      Set<Buffer> read = new HashSet<>();
      for (String input : OpTimeline.inputs(label)) {
        Buffer b = byTensor.get(input);
        if (b != null) {
          b.end = Math.max(b.end, end);
          b.reads.add(new Read(type, end));
          read.add(b);
        }
      }
      for (NodeOutput out : node.getOutputList()) {
        AllocationDescription a = out.getTensorDescription().getAllocationDescription();
        Buffer b = byAddress.get(a.getPtr());
        if (b == null || !read.contains(b)) {
          b = new Buffer(type, a.getAllocatedBytes(), node.getAllStartMicros());
          buffers.add(b);
          if (a.getPtr() != 0) {
            byAddress.put(a.getPtr(), b);
          }
        }
        b.end = Math.max(b.end, end);
        byTensor.put(node.getNodeName() + ":" + out.getSlot(), b);
      }
    }
    // Sweep allocations (+) and frees (−) in time order; a free at t happens after anything made at t.
    List<long[]> events = new ArrayList<>();
    for (Buffer b : buffers) {
      events.add(new long[] {b.start, b.bytes});
      events.add(new long[] {b.end + 1, -b.bytes});
    }
    events.sort(Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1]));
    long live = 0;
    long peak = 0;
    long peakAt = nodes.isEmpty() ? 0 : nodes.get(0).getAllStartMicros();
    for (long[] e : events) {
      live += e[1];
      if (live > peak) {
        peak = live;
        peakAt = e[0];
      }
    }
    Map<Holder, long[]> grouped = new LinkedHashMap<>(); // key: producer and later readers only
    for (Buffer b : buffers) {
      if (b.start > peakAt || b.end < peakAt) {
        continue;
      }
      Set<String> later = new TreeSet<>();
      for (Read r : b.reads) {
        if (r.end() >= peakAt) {
          later.add(r.type());
        }
      }
      long[] acc = grouped.computeIfAbsent(new Holder(b.producer, String.join(", ", later), 0, 0), k -> new long[2]);
      acc[0] += b.bytes;
      acc[1]++;
    }
    List<Holder> holders = grouped.entrySet().stream()
        .map(e -> new Holder(e.getKey().producer(), e.getKey().laterReaders(), e.getValue()[0], (int) e.getValue()[1]))
        .sorted(Comparator.comparingLong(Holder::bytes).reversed().thenComparing(Holder::producer))
        .toList();
    long origin = nodes.isEmpty() ? 0 : nodes.get(0).getAllStartMicros();
    return new PeakTensors(peak, (peakAt - origin) / 1000.0, allocatorPeak, holders);
  }

  /** Bytes of step tensors alive at the peak. */
  public long peakBytes() {
    return peakBytes;
  }

  /** When the peak happens, ms after the first op of the iteration started. */
  public double peakMillis() {
    return peakMillis;
  }

  /** The largest "bytes in use" any allocator reported during the iteration (0 if none did). */
  public long allocatorPeakBytes() {
    return allocatorPeakBytes;
  }

  /** The {@code n} largest holders at the peak, largest first. */
  public List<Holder> top(int n) {
    return holders.stream().limit(n).toList();
  }
}
