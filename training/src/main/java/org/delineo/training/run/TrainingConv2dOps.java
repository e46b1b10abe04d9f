package org.delineo.training.run;

import org.delineo.graph.Conv2dOps;
import org.delineo.proto.RuntimeConfig;

/**
 * The {@link Conv2dOps} a training run's graph builds for its runtime settings: the generic
 * {@code Conv} op (Eigen's kernels, the faster ones on a CPU) for float32 on the CPU, and
 * {@code Conv2D} wherever cuDNN or a mixed-precision rewriter should see the convolutions: on a
 * GPU (runtime.device GPU, or AUTO when TensorFlow sees one, whatever the precision) and with
 * precision BF16.
 */
public final class TrainingConv2dOps {
  private TrainingConv2dOps() {}

  /** The ops for {@code runtime}; AUTO asks TensorFlow whether it sees a GPU. */
  public static Conv2dOps of(RuntimeConfig runtime) {
    boolean gpu = switch (runtime.getDevice()) {
      case CPU -> false;
      case GPU -> true;
      default -> GpuProbe.count(1) > 0;
    };
    // FP16 without a GPU converts nothing (the CUDA rewriter has no CPU ops), so it stays GENERIC.
    return gpu || runtime.getPrecision() == RuntimeConfig.Precision.BF16 ? Conv2dOps.CONV2D : Conv2dOps.GENERIC;
  }
}
