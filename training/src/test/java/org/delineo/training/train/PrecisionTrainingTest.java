package org.delineo.training.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.delineo.training.optim.DynamicLossScale;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * {@code runtime.precision} on the tiny UNet, read from the graph TensorFlow executed: FP32 converts
 * nothing and has no loss scale; BF16 (Grappler's oneDNN rewriter) runs the convolutions in
 * bfloat16 behind casts while the variables stay float32; FP16 trains with the loss scale (2^15,
 * logged), and on a CPU computes in float32 (the float16 rewriter converts GPU ops only), where the
 * scale cancels exactly: its losses are FP32's. Each trains: finite losses that fall.
 */
class PrecisionTrainingTest {
  private static final int STEPS = 3;
  private static TinyUNetRun fp32;

  /** The FP32 run, shared by the tests that compare against it. */
  private static synchronized TinyUNetRun fp32() {
    if (fp32 == null) {
      fp32 = TinyUNetRun.train("", STEPS);
    }
    return fp32;
  }

  @Test
  void fp32ConvertsNothingAndHasNoLossScale() {
    TinyUNetRun run = fp32();
    assertTrains(run);
    assertEquals(Map.of(), lowPrecisionOps(run), "ops computing in float16 or bfloat16");
    assertFalse(run.scalars().containsKey(DynamicLossScale.SCALAR));
    assertFalse(executesNodeNamed(run, DynamicLossScale.EXPONENT));
  }

  @Test
  void bf16RunsTheConvolutionsInBfloat16AndKeepsFloat32Variables() {
    // TensorFlow's oneDNN bfloat16 kernels need AVX-512 (IsBF16SupportedByOneDNNOnThisCPU).
    assumeTrue(cpuFlags().contains(" avx512f"), "this CPU has no AVX-512");
    TinyUNetRun run = TinyUNetRun.train("precision: BF16", STEPS);
    assertTrains(run);
    Map<String, Integer> low = lowPrecisionOps(run);
    assertTrue(low.keySet().stream().anyMatch(op -> op.contains("Conv2D") && op.endsWith("DT_BFLOAT16")), low.toString());
    assertTrue(low.getOrDefault("Cast->DT_BFLOAT16", 0) > 0, low.toString());
    assertTrue(low.keySet().stream().noneMatch(op -> op.contains("DT_HALF")), low.toString());
    for (GraphDef graph : run.executed()) {
      for (NodeDef node : graph.getNodeList()) {
        // The rewriter knows Conv2D, not the generic Conv op, which BF16 runs therefore never build.
        assertNotEquals("Conv", node.getOp(), node.getName());
        if (node.getOp().equals("VariableV2")) {
          DataType type = node.getAttrMap().get("dtype").getType();
          assertTrue(type == DataType.DT_FLOAT || type == DataType.DT_INT64, node.getName() + " is " + type);
        }
      }
    }
  }

  @Test
  void fp16TrainsWithTheLossScaleAndComputesInFloat32OnTheCpu() {
    TinyUNetRun run = TinyUNetRun.train("precision: FP16", STEPS);
    assertTrains(run);
    assertEquals(32768f, run.scalars().get(DynamicLossScale.SCALAR), "2^15 until 2000 finite steps");
    assertTrue(executesNodeNamed(run, DynamicLossScale.EXPONENT));
    assertEquals(Map.of(), lowPrecisionOps(run), "no GPU: nothing converted to float16");
    // A power-of-two scale multiplies and divides float gradients exactly: the FP32 trajectory.
    assertArrayEquals(fp32().losses(), run.losses(), "losses of FP16 on the CPU against FP32");
  }

  private static void assertTrains(TinyUNetRun run) {
    float[] losses = run.losses();
    for (float loss : losses) {
      assertTrue(Float.isFinite(loss), Arrays.toString(losses));
    }
    assertTrue(losses[losses.length - 1] < losses[0], "loss falls on a fixed batch: " + Arrays.toString(losses));
  }

  /** Counts of executed ops with a float16 / bfloat16 type ("op:type"), and casts to them ("Cast->type"). */
  private static Map<String, Integer> lowPrecisionOps(TinyUNetRun run) {
    Map<String, Integer> counts = new HashMap<>();
    for (GraphDef graph : run.executed()) {
      for (NodeDef node : graph.getNodeList()) {
        if (node.getOp().equals("Cast")) {
          DataType to = node.getAttrMap().get("DstT").getType();
          if (isLow(to)) {
            counts.merge("Cast->" + to, 1, Integer::sum);
          }
        } else {
          DataType t = node.getAttrMap().getOrDefault("T", AttrValue.getDefaultInstance()).getType();
          if (isLow(t)) {
            counts.merge(node.getOp() + ":" + t, 1, Integer::sum);
          }
        }
      }
    }
    return counts;
  }

  private static boolean isLow(DataType type) {
    return type == DataType.DT_HALF || type == DataType.DT_BFLOAT16;
  }

  private static boolean executesNodeNamed(TinyUNetRun run, String name) {
    return run.executed().stream().flatMap(g -> g.getNodeList().stream()).anyMatch(n -> n.getName().equals(name));
  }

  private static String cpuFlags() {
    try {
      return Files.readString(Path.of("/proc/cpuinfo"));
    } catch (IOException e) {
      return "";
    }
  }
}
