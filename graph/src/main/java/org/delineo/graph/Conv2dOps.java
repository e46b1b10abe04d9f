package org.delineo.graph;

/**
 * Which TensorFlow ops the 2-D convolution layers build ({@link GraphContext#conv2dOps()}). Both
 * compute the same convolution and gradients; they differ in who runs them.
 */
public enum Conv2dOps {
  /**
   * TF's generic {@code Conv} op, whose input gradient is itself a {@code Conv} at stride 1, and
   * whose 1×1 kernels get {@code MatMul} gradients (gradients.GenericConvGradient). oneDNN's graph
   * rewrite leaves {@code Conv} alone, so Eigen runs it: per layer, forward and backward, 1.3–2×
   * faster than oneDNN's Conv2D ops in float32 on the 2-core AVX-512 machine; whole models
   * 0.62–0.79× the step time (docs/performance.md). The default, and what CPU training in float32
   * uses.
   */
  GENERIC,
  /**
   * {@code Conv2D} and its backprop ops: what cuDNN runs and what Grappler's mixed-precision
   * rewriters (CUDA float16, oneDNN bfloat16) convert, neither of which knows {@code Conv}. Used
   * for GPU training and for runtime.precision BF16 (training.run.TrainingConv2dOps).
   */
  CONV2D
}
