package org.delineo.training.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.AllocationDescription;
import org.tensorflow.proto.AllocatorMemoryUsed;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.NodeOutput;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.StepStats;
import org.tensorflow.proto.TensorDescription;

/**
 * {@link PeakTensors} on step stats written by hand, with the live set worked out on paper:
 *
 * <pre>
 * node  start..end µs  output            reads
 * a     0..10          1000 B @100       -
 * b     10..20          500 B @200       a
 * r     20..21          @200 (alias of b) b
 * c     30..40         2000 B @300       r, a
 * g     50..60          300 B @400       c, b  (and ^a, a control input)
 * h     70..80          100 B @500       g, a
 * </pre>
 *
 * Buffer lifetimes: a 0..80 (h reads it last), b 10..60 (g), c 30..60, g 50..80, h 70..80. Live
 * bytes: 1000, 1500 at 10, 3500 at 30, 3800 at 50 (the peak), 1300 after 60, 1400 at 70.
 */
class PeakTensorsTest {
  private static NodeExecStats node(String label, long start, long duration, long bytes, long ptr) {
    String name = label.substring(label.indexOf(']') + 1).trim().split(" ")[0]; // after any "[allocator ...]"
    NodeExecStats.Builder n = NodeExecStats.newBuilder().setNodeName(name).setTimelineLabel(label)
        .setAllStartMicros(start).setAllEndRelMicros(duration);
    if (ptr != 0) {
      n.addOutput(NodeOutput.newBuilder().setSlot(0).setTensorDescription(TensorDescription.newBuilder()
          .setAllocationDescription(AllocationDescription.newBuilder().setAllocatedBytes(bytes).setPtr(ptr))));
    }
    return n.build();
  }

  private static List<RunMetadata> runs() {
    NodeExecStats c = node("c = MatMul(r, a:0)", 30, 10, 2000, 300).toBuilder()
        .addMemory(AllocatorMemoryUsed.newBuilder().setAllocatorName("cpu").setAllocatorBytesInUse(4200))
        .build();
    return List.of(RunMetadata.newBuilder().setStepStats(StepStats.newBuilder()
        .addDevStats(DeviceStepStats.newBuilder().setDevice("/device:CPU:0")
            .addNodeStats(node("[cpu 1KB 1KB] a = Conv(in)", 0, 10, 1000, 100))
            .addNodeStats(node("b = Relu(a)", 10, 10, 500, 200))
            .addNodeStats(node("r = Reshape(b, shape)", 20, 1, 500, 200))
            .addNodeStats(c)
            .addNodeStats(node("g = ReluGrad(c, b, ^a)", 50, 10, 300, 400))
            .addNodeStats(node("h = BNGrad(g, a)", 70, 10, 100, 500))))
        .build());
  }

  @Test
  void findsThePeakAndWhatHoldsIt() {
    PeakTensors p = PeakTensors.of(runs());
    assertEquals(3800, p.peakBytes(), "1000 + 500 + 2000 + 300 (the Reshape adds no buffer)");
    assertEquals(0.05, p.peakMillis(), 1e-9, "50 µs after the first op");
    assertEquals(4200, p.allocatorPeakBytes());
    assertEquals(List.of(
        new PeakTensors.Holder("MatMul", "ReluGrad", 2000, 1),
        new PeakTensors.Holder("Conv", "BNGrad", 1000, 1),
        new PeakTensors.Holder("Relu", "ReluGrad", 500, 1),
        new PeakTensors.Holder("ReluGrad", "BNGrad", 300, 1)), p.top(10));
    assertEquals(2, p.top(2).size());
  }

  @Test
  void readsInputsFromTimelineLabels() {
    assertEquals(List.of("x:0", "y:1"), OpTimeline.inputs("[mklcpu 1.0MB 1.0MB] n = Add(x, y:1, ^z)"));
    assertEquals(List.of(), OpTimeline.inputs("n = Const()"));
    assertEquals(List.of(), OpTimeline.inputs("_SOURCE"));
  }

  @Test
  void noNodesGivesNothing() {
    PeakTensors p = PeakTensors.of(List.of(RunMetadata.getDefaultInstance()));
    assertEquals(0, p.peakBytes());
    assertEquals(List.of(), p.top(5));
  }
}
