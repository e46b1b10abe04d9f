package org.delineo.graph.models.rfnet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.model.ModelInputs;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * Full-size trainable parameter counts (graph construction only, 80³ crop, 4 classes, 4
 * modalities) against a count derived by hand from the reference architecture ({@code dyh127/RFNet
 * models.py} / {@code layers.py}, identical in PASSION's {@code rfnet_passion.py}): PyTorch numel
 * per module, instance norms without affine parameters (none), every conv with a bias.
 */
class PrismRfNetParameterCountTest {
  private static final int K = 4; // classes
  private static final int M = 4; // modalities
  private static final int LEVELS = 4;

  /** Conv3d(in, out, k) with bias: k³·in·out + out. general_conv3d adds nothing (IN, no affine). */
  private static long conv(int k, long in, long out) {
    return (long) k * k * k * in * out + out;
  }

  /** Encoder: per level e_c1 (in → C, 3³) and the residual pair e_c2, e_c3 (C → C, 3³). */
  private static long encoder(int b) {
    long total = 0;
    long in = 1;
    for (int l = 0; l < LEVELS; l++) {
      long c = (long) b << l;
      total += conv(3, in, c) + 2 * conv(3, c, c);
      in = c;
    }
    return total;
  }

  /** d<l>_c1 (2C → C, 3³), d<l>_c2 (2C → C, 3³), d<l>_out (C → C, 1³) at levels 1..3. */
  private static long decoderStages(int b) {
    long total = 0;
    for (int l = 0; l < LEVELS - 1; l++) {
      long c = (long) b << l;
      total += 2 * conv(3, 2 * c, c) + conv(1, c, c);
    }
    return total;
  }

  /** Decoder_sep: the stages plus seg_layer (b → K, 1³). */
  private static long decoderSep(int b) {
    return decoderStages(b) + conv(1, b, K);
  }

  /**
   * prm_generator(_laststage): embedding_layer 4C → C/4 (1³), C/4 → C/4 (3³), C/4 → C (1³);
   * prm_layer: (C or 2C) → 16 (1³), 16 → K (1³).
   */
  private static long prmGenerator(long c, boolean last) {
    long q = c / 4;
    return conv(1, M * c, q) + conv(3, q, q) + conv(1, q, c)
        + conv(1, last ? c : 2 * c, 16) + conv(1, 16, K);
  }

  /**
   * region_aware_modal_fusion: K × modal_fusion (4C + 1 → 128 → 4, 1³ each); region_fusion
   * (K·C → C 1³, C → C 3³, C → C/2 1³); short_cut (4C → C 1³, C → C 3³, C → C/2 1³).
   */
  private static long rfm(long c) {
    long modalFusion = conv(1, M * c + 1, 128) + conv(1, 128, M);
    long regionFusion = conv(1, K * c, c) + conv(3, c, c) + conv(1, c, c / 2);
    long shortCut = conv(1, M * c, c) + conv(3, c, c) + conv(1, c, c / 2);
    return K * modalFusion + regionFusion + shortCut;
  }

  /** Decoder_fuse: stages, seg_layer, and one PRM generator and RFM per level. */
  private static long decoderFuse(int b) {
    long total = decoderStages(b) + conv(1, b, K);
    for (int l = 0; l < LEVELS; l++) {
      long c = (long) b << l;
      total += prmGenerator(c, l == LEVELS - 1) + rfm(c);
    }
    return total;
  }

  /** Built counts [encoders, decoder_sep, decoder_fuse] of a TRAIN graph on an 80³ placeholder. */
  private static long[] builtCounts(int b) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 0);
      Operand<TFloat32> x = ctx.tf().placeholder(
          TFloat32.class, Placeholder.shape(Shape.of(-1, 80, 80, 80, M)));
      Operand<TBool> mask =
          ctx.tf().placeholder(TBool.class, Placeholder.shape(Shape.of(-1, M)));
      PrismRfNet.builder(K).basicDims(b).build().apply(ctx, new ModelInputs(x, mask));
      long[] out = new long[3];
      for (ModelVariable<TFloat32> v : ctx.variables().trainable()) {
        int i = v.name().startsWith("decoder_sep.") ? 1 : v.name().startsWith("decoder_fuse.") ? 2 : 0;
        out[i] += v.size();
      }
      assertEquals(out[0] + out[1] + out[2], ctx.variables().trainableParameterCount(), "sum");
      return out;
    }
  }

  @Test
  void rfnetWidth16MatchesTheReferenceCount() {
    // Per encoder, summed on paper: 14,304 + 69,216 + 276,672 + 1,106,304 = 1,466,496.
    assertEquals(1_466_496L, encoder(16), "one encoder, b = 16");
    assertEquals(5_865_984L, M * encoder(16), "four encoders");
    assertEquals(586_388L, decoderSep(16), "Decoder_sep");
    assertEquals(2_532_588L, decoderFuse(16), "Decoder_fuse");
    long[] built = builtCounts(16);
    assertEquals(M * encoder(16), built[0], "built encoders");
    assertEquals(decoderSep(16), built[1], "built decoder_sep");
    assertEquals(decoderFuse(16), built[2], "built decoder_fuse");
    assertEquals(8_984_960L, built[0] + built[1] + built[2], "RFNet (b = 16) total");
  }

  @Test
  void passionWidth8MatchesTheReferenceCount() {
    // Per encoder, summed on paper: 3,696 + 17,328 + 69,216 + 276,672 = 366,912.
    assertEquals(366_912L, encoder(8), "one encoder, b = 8");
    assertEquals(146_700L, decoderSep(8), "Decoder_sep");
    assertEquals(767_444L, decoderFuse(8), "Decoder_fuse");
    long[] built = builtCounts(8);
    assertEquals(M * encoder(8), built[0], "built encoders");
    assertEquals(decoderSep(8), built[1], "built decoder_sep");
    assertEquals(decoderFuse(8), built[2], "built decoder_fuse");
    assertEquals(2_381_792L, built[0] + built[1] + built[2], "PASSION RFNet (b = 8) total");
  }
}
