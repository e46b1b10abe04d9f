package org.delineo.graph.gradients;

import java.util.List;
import java.util.Locale;

/**
 * The instruction sets oneDNN may dispatch to, as its {@value #VARIABLE} environment variable
 * caps them. oneDNN reads the variable once, at its first kernel, so a process sees one cap for
 * its whole life. Which kernels that cap picks changes which formulation of a gradient is the fast
 * one (see {@link CustomGradients}): on an AVX-512 CPU capped at AVX2, oneDNN's small-channel 3-D
 * convolutions run its AVX2 kernels, among them a VALID input gradient faster than the forward
 * convolution that replaces it under AVX-512 (docs/performance.md, fifth round).
 */
public final class OneDnnCpuIsa {
  /** The environment variable oneDNN reads its cap from. */
  public static final String VARIABLE = "ONEDNN_MAX_CPU_ISA";

  /** The values oneDNN 3 accepts for {@value #VARIABLE}, oldest first; DEFAULT is no cap. */
  public static final List<String> NAMES = List.of("SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX2_VNNI_2",
      "AVX512_CORE", "AVX512_CORE_VNNI", "AVX512_CORE_BF16", "AVX512_CORE_FP16", "AVX512_CORE_AMX",
      "AVX512_CORE_AMX_FP16", "AVX10_1_512", "AVX10_1_512_AMX", "AVX10_1_512_AMX_FP16", "DEFAULT");

  private static final List<String> BELOW_AVX512 = NAMES.subList(0, NAMES.indexOf("AVX512_CORE"));

  private OneDnnCpuIsa() {}

  /** Whether {@code value} is one of {@link #NAMES} (case-insensitive, as oneDNN reads it). */
  public static boolean isName(String value) {
    return value != null && NAMES.contains(value.trim().toUpperCase(Locale.ROOT));
  }

  /** Whether the cap {@code value} (null or empty: none) keeps oneDNN below AVX-512. */
  public static boolean capsBelowAvx512(String value) {
    return value != null && BELOW_AVX512.contains(value.trim().toUpperCase(Locale.ROOT));
  }

  /** Whether this process's environment keeps oneDNN below AVX-512. */
  public static boolean capsBelowAvx512() {
    return capsBelowAvx512(System.getenv(VARIABLE));
  }
}
