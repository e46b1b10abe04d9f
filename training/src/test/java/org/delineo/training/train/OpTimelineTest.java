package org.delineo.training.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.DeviceStepStats;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.NodeOutput;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.StepStats;
import org.tensorflow.proto.TensorDescription;
import org.tensorflow.proto.TensorShapeProto;

/** {@link OpTimeline} on step stats written by hand: op types, sums, shares and the Chrome events. */
class OpTimelineTest {
  private static NodeExecStats node(String name, String label, long start, long duration, int thread) {
    return NodeExecStats.newBuilder().setNodeName(name).setTimelineLabel(label).setAllStartMicros(start)
        .setAllEndRelMicros(duration).setThreadId(thread).build();
  }

  /** Two runs (as a bi-level strategy makes), two devices, a _SOURCE node and an unlabelled node. */
  private static List<RunMetadata> runs() {
    RunMetadata first = RunMetadata.newBuilder().setStepStats(StepStats.newBuilder()
        .addDevStats(DeviceStepStats.newBuilder().setDevice("/job:localhost/replica:0/task:0/device:CPU:0")
            .addNodeStats(node("_SOURCE", "", 1000, 1, 0))
            .addNodeStats(node("conv", "conv = _MklNativeFusedConv3D(x, w, b)", 1000, 300, 7))
            .addNodeStats(node("act", "act = LeakyRelu(conv)", 1300, 100, 7).toBuilder()
                .addOutput(NodeOutput.newBuilder().setTensorDescription(TensorDescription.newBuilder()
                    .setShape(TensorShapeProto.newBuilder()
                        .addDim(TensorShapeProto.Dim.newBuilder().setSize(2))
                        .addDim(TensorShapeProto.Dim.newBuilder().setSize(-1))
                        .addDim(TensorShapeProto.Dim.newBuilder().setSize(4)))))
                .addOutput(NodeOutput.newBuilder().setTensorDescription(TensorDescription.newBuilder()
                    .setShape(TensorShapeProto.newBuilder().setUnknownRank(true))))
                .build()))
        .addDevStats(DeviceStepStats.newBuilder().setDevice("/device:CPU:1")
            .addNodeStats(node("conv_1", "conv_1 = _MklNativeFusedConv3D(y, w, b)", 1100, 200, 9))))
        .build();
    RunMetadata second = RunMetadata.newBuilder().setStepStats(StepStats.newBuilder()
        .addDevStats(DeviceStepStats.newBuilder().setDevice("/job:localhost/replica:0/task:0/device:CPU:0")
            .addNodeStats(node("Recv_x", "", 2000, 400, 7))))
        .build();
    return List.of(first, second);
  }

  @Test
  void sumsTimeByOpTypeReadFromTheTimelineLabel() {
    OpTimeline t = OpTimeline.of(runs());
    assertEquals(4, t.events().size(), "the _SOURCE node is left out");
    // Summed: fused conv 300 + 200 = 500 µs, Recv_x 400, LeakyRelu 100; total 1000 µs.
    List<OpTimeline.OpTime> top = t.topOps(10);
    assertEquals(List.of(
        new OpTimeline.OpTime("_MklNativeFusedConv3D", 2, 0.5, 0.5),
        new OpTimeline.OpTime("Recv_x", 1, 0.4, 0.4),
        new OpTimeline.OpTime("LeakyRelu", 1, 0.1, 0.1)), top);
    assertEquals(2, t.topOps(2).size());
  }

  @Test
  void opTypeParsing() {
    assertEquals("Conv2D", OpTimeline.opType("a/b = Conv2D(x, y)", "a/b"));
    assertEquals("NoOp", OpTimeline.opType("n = NoOp()", "n"));
    assertEquals("n", OpTimeline.opType("", "n"));
  }

  @Test
  void chromeTraceHasOneCompleteEventPerNodeAndOneProcessPerDevice() {
    String json = OpTimeline.of(runs()).chromeTraceJson();
    assertTrue(json.contains("\"traceEvents\":["), json);
    // Two devices: two process_name metadata events, pids 0 and 1.
    assertEquals(2, count(json, "\"process_name\""), json);
    assertEquals(4, count(json, "\"ph\":\"X\""), json);
    // Times relative to the earliest op (1000 µs): the conv on CPU:1 starts at 100, lasts 200.
    assertTrue(json.matches(".*\\{[^{}]*\"name\":\"_MklNativeFusedConv3D\",\"pid\":1,\"tid\":9,\"ts\":100,\"dur\":200.*"),
        json);
    assertTrue(json.contains("\"ts\":0,\"dur\":300"), json);
    assertTrue(json.contains("\"ts\":1000,\"dur\":400"), json);
    // Output shapes ride along in the args (unknown dimension "?", unknown rank "?"); none when absent.
    assertTrue(json.contains("\"outputs\":\"[2,?,4] ?\""), json);
    assertEquals(1, count(json, "\"outputs\""), json);
  }

  private static int count(String s, String needle) {
    int n = 0;
    for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }
}
