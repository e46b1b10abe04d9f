package org.delineo.training.train;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.delineo.training.run.Json;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.NodeOutput;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.TensorShapeProto;

/**
 * The per-op timeline of one traced training iteration ({@code RunOptions.FULL_TRACE}): every
 * executed node with its device, thread, start and duration, as the runtime's step stats report
 * them. Written as Chrome trace JSON (open it in {@code chrome://tracing} or Perfetto) and summed
 * by op type for a "where does the time go" table.
 *
 * <p>The op type of a node is read from its timeline label ({@code "name = Type(inputs)"}), because
 * Grappler renames and fuses nodes: a fused convolution appears as {@code _MklNativeFusedConv3D}
 * under the name of the last op it absorbed. Op times on different threads overlap, so the summed
 * time can exceed the step's wall time; shares are of the summed time.
 */
public final class OpTimeline {
  /**
   * One executed node.
   *
   * @param device the device that ran it
   * @param thread the executor thread
   * @param name the node name in the executed (optimised) graph
   * @param type the op type
   * @param startMicros wall-clock start, µs since the epoch
   * @param durationMicros wall time the op took, µs
   * @param outputShapes the shape of each output, e.g. {@code [2,32,32,32,4]}, as the step stats
   *     describe them (empty when they do not)
   */
  public record Event(String device, int thread, String name, String type, long startMicros, long durationMicros,
      List<String> outputShapes) {}

  /**
   * Summed time of one op type.
   *
   * @param type op type
   * @param count executions
   * @param totalMillis summed wall time, ms
   * @param share share of the summed time of all ops, in [0, 1]
   */
  public record OpTime(String type, int count, double totalMillis, double share) {}

  private final List<Event> events;

  private OpTimeline(List<Event> events) {
    this.events = List.copyOf(events);
  }

  /** The nodes of every session run's step stats (one {@link RunMetadata} per run). */
  public static OpTimeline of(List<RunMetadata> runs) {
    List<Event> events = new ArrayList<>();
    for (RunMetadata run : runs) {
      for (DeviceStepStats device : run.getStepStats().getDevStatsList()) {
        for (NodeExecStats node : device.getNodeStatsList()) {
          String name = node.getNodeName();
          if (name.startsWith("_SOURCE") || name.startsWith("_SINK")) {
            continue;
          }
          events.add(new Event(device.getDevice(), node.getThreadId(), name,
              opType(node.getTimelineLabel(), name), node.getAllStartMicros(), node.getAllEndRelMicros(),
              outputShapes(node)));
        }
      }
    }
    return new OpTimeline(events);
  }

  /** Each output's shape as {@code [d0,d1,...]} ({@code ?} for an unknown dimension). */
  private static List<String> outputShapes(NodeExecStats node) {
    List<String> shapes = new ArrayList<>();
    for (NodeOutput out : node.getOutputList()) {
      TensorShapeProto shape = out.getTensorDescription().getShape();
      StringJoiner dims = new StringJoiner(",", "[", "]");
      shape.getDimList().forEach(d -> dims.add(d.getSize() < 0 ? "?" : Long.toString(d.getSize())));
      shapes.add(shape.getUnknownRank() ? "?" : dims.toString());
    }
    return shapes;
  }

  /** The op type in a timeline label {@code "name = Type(inputs)"}; the node name when absent. */
  static String opType(String label, String nodeName) {
    int eq = label.indexOf(" = ");
    if (eq < 0) {
      return nodeName;
    }
    int paren = label.indexOf('(', eq);
    return label.substring(eq + 3, paren < 0 ? label.length() : paren).trim();
  }

  /** Input tensor names in a timeline label, {@code "node:slot"}; control inputs are left out. */
  static List<String> inputs(String label) {
    int eq = label.indexOf(" = ");
    int open = eq < 0 ? -1 : label.indexOf('(', eq);
    if (open < 0 || !label.endsWith(")")) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String s : label.substring(open + 1, label.length() - 1).split(",")) {
      String name = s.trim();
      if (!name.isEmpty() && !name.startsWith("^")) {
        out.add(name.contains(":") ? name : name + ":0");
      }
    }
    return out;
  }

  public List<Event> events() {
    return events;
  }

  /** The {@code n} op types with the largest summed time, largest first. */
  public List<OpTime> topOps(int n) {
    Map<String, long[]> byType = new LinkedHashMap<>();
    long total = 0;
    for (Event e : events) {
      long[] acc = byType.computeIfAbsent(e.type(), k -> new long[2]);
      acc[0]++;
      acc[1] += e.durationMicros();
      total += e.durationMicros();
    }
    double sum = Math.max(1, total);
    return byType.entrySet().stream()
        .map(t -> new OpTime(t.getKey(), (int) t.getValue()[0], t.getValue()[1] / 1000.0, t.getValue()[1] / sum))
        .sorted(Comparator.comparingDouble(OpTime::totalMillis).reversed().thenComparing(OpTime::type))
        .limit(n)
        .toList();
  }

  /**
   * Chrome trace JSON: one complete ("X") event per node, one process per device (named by a
   * metadata event), one track per executor thread; times in µs relative to the first op.
   */
  public String chromeTraceJson() {
    long origin = events.stream().mapToLong(Event::startMicros).min().orElse(0);
    Map<String, Integer> pids = new LinkedHashMap<>();
    List<Object> trace = new ArrayList<>();
    for (Event e : events) {
      Integer pid = pids.get(e.device());
      if (pid == null) {
        pid = pids.size();
        pids.put(e.device(), pid);
        trace.add(Map.of("ph", "M", "name", "process_name", "pid", pid, "args", Map.of("name", e.device())));
      }
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("ph", "X");
      x.put("name", e.type());
      x.put("pid", pid);
      x.put("tid", e.thread());
      x.put("ts", e.startMicros() - origin);
      x.put("dur", e.durationMicros());
      // Output shapes let a reader tell apart the many ops of one type (which convolution is slow).
      x.put("args", e.outputShapes().isEmpty()
          ? Map.of("name", e.name(), "op", e.type())
          : Map.of("name", e.name(), "op", e.type(), "outputs", String.join(" ", e.outputShapes())));
      trace.add(x);
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("traceEvents", trace);
    doc.put("displayTimeUnit", "ms");
    return Json.write(doc);
  }
}
