package org.delineo.graph.gradients;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** oneDNN's ISA names (its CPU dispatcher documentation) and which of them stop below AVX-512. */
class OneDnnCpuIsaTest {

  @Test
  void capsBelowAvx512OnlyForTheAvx2AndOlderNames() {
    for (String below : new String[] {"SSE41", "AVX", "AVX2", "avx2", " AVX2_VNNI ", "AVX2_VNNI_2"}) {
      assertTrue(OneDnnCpuIsa.capsBelowAvx512(below), below);
    }
    for (String atOrAbove : new String[] {"AVX512_CORE", "AVX512_CORE_BF16", "AVX10_1_512_AMX", "DEFAULT", "", "AVX3"}) {
      assertFalse(OneDnnCpuIsa.capsBelowAvx512(atOrAbove), atOrAbove);
    }
    assertFalse(OneDnnCpuIsa.capsBelowAvx512(null), "unset: no cap");
  }

  @Test
  void namesAreOneDnns() {
    assertTrue(OneDnnCpuIsa.isName("avx512_core_vnni"));
    assertTrue(OneDnnCpuIsa.isName("DEFAULT"));
    assertFalse(OneDnnCpuIsa.isName("AVX512"));
    assertFalse(OneDnnCpuIsa.isName(null));
  }
}
