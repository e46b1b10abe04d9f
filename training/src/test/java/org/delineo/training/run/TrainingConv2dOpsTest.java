package org.delineo.training.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.delineo.graph.Conv2dOps;
import org.delineo.proto.RuntimeConfig;
import org.junit.jupiter.api.Test;

/** Which convolution ops each runtime setting trains with (the tests run the CPU natives). */
class TrainingConv2dOpsTest {

  @Test
  void float32OnTheCpuBuildsTheGenericOp() {
    assertEquals(Conv2dOps.GENERIC, ops(RuntimeConfig.Device.CPU, RuntimeConfig.Precision.FP32));
    // AUTO without a GPU in sight is the CPU.
    assertEquals(Conv2dOps.GENERIC, ops(RuntimeConfig.Device.AUTO, RuntimeConfig.Precision.FP32));
    // So is FP16 there: the CUDA rewriter converts no CPU op.
    assertEquals(Conv2dOps.GENERIC, ops(RuntimeConfig.Device.AUTO, RuntimeConfig.Precision.FP16));
  }

  @Test
  void gpusAndMixedPrecisionBuildConv2d() {
    assertEquals(Conv2dOps.CONV2D, ops(RuntimeConfig.Device.GPU, RuntimeConfig.Precision.FP32));
    assertEquals(Conv2dOps.CONV2D, ops(RuntimeConfig.Device.CPU, RuntimeConfig.Precision.BF16));
    assertEquals(Conv2dOps.CONV2D, ops(RuntimeConfig.Device.AUTO, RuntimeConfig.Precision.BF16));
    assertEquals(Conv2dOps.CONV2D, ops(RuntimeConfig.Device.GPU, RuntimeConfig.Precision.FP16));
  }

  private static Conv2dOps ops(RuntimeConfig.Device device, RuntimeConfig.Precision precision) {
    return TrainingConv2dOps.of(RuntimeConfig.newBuilder().setDevice(device).setPrecision(precision).build());
  }
}
