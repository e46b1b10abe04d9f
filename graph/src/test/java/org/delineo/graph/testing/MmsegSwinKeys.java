package org.delineo.graph.testing;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The state-dict parameters and PyTorch shapes of mmseg's {@code SwinTransformer}, transcribed from
 * the module tree of {@code mmseg/models/backbones/swin.py} ({@code SwinTransformer},
 * {@code SwinBlockSequence}, {@code SwinBlock}, {@code ShiftWindowMSA}, {@code WindowMSA}),
 * {@code mmseg/models/utils/embed.py} ({@code PatchEmbed}, {@code PatchMerging}) and mmcv's
 * {@code FFN}, not from Delineo's code:
 * <pre>
 * patch_embed = PatchEmbed(projection: Conv2d(in, C0, p, stride p), norm: LN(C0))
 * stages[i]   = SwinBlockSequence(blocks: [SwinBlock] * depths[i],
 *                                 downsample: PatchMerging(norm: LN(4C), reduction: Linear(4C, 2C, bias=False))
 *                                 for every stage but the last)
 * SwinBlock   = norm1: LN(C), attn: ShiftWindowMSA(w_msa: WindowMSA), norm2: LN(C), ffn: FFN
 * WindowMSA   = relative_position_bias_table [(2W-1)^2, heads], relative_position_index (a buffer),
 *               qkv: Linear(C, 3C), proj: Linear(C, C)
 * FFN         = layers: Sequential(Sequential(Linear(C, r*C), GELU, Dropout), Linear(r*C, C), Dropout)
 * norm{i}     = LN(C0 * 2^i) for every out index
 * </pre>
 */
public final class MmsegSwinKeys {
  private MmsegSwinKeys() {}

  /** A Swin variant in mmseg's terms (square windows and patches). */
  public record Swin(int inChannels, int embedDims, int[] depths, int[] heads, int window, int mlpRatio,
      int patchSize) {}

  /** mmseg's Mask2Former Swin-B (in22k, 384): embed_dims 128, depths [2, 2, 18, 2], window 12. */
  public static final Swin SWIN_B = new Swin(3, 128, new int[] {2, 2, 18, 2}, new int[] {4, 8, 16, 32}, 12, 4, 4);

  /** The backbone's parameters (no buffers), names without a prefix, in registration order. */
  public static Map<String, long[]> backbone(Swin m) {
    Map<String, long[]> out = new LinkedHashMap<>();
    long c0 = m.embedDims();
    long p = m.patchSize();
    out.put("patch_embed.projection.weight", new long[] {c0, m.inChannels(), p, p});
    out.put("patch_embed.projection.bias", new long[] {c0});
    out.put("patch_embed.norm.weight", new long[] {c0});
    out.put("patch_embed.norm.bias", new long[] {c0});
    long table = (2L * m.window() - 1) * (2L * m.window() - 1);
    int stages = m.depths().length;
    for (int i = 0; i < stages; i++) {
      long c = c0 << i;
      long hidden = m.mlpRatio() * c;
      for (int j = 0; j < m.depths()[i]; j++) {
        String b = "stages." + i + ".blocks." + j + ".";
        out.put(b + "norm1.weight", new long[] {c});
        out.put(b + "norm1.bias", new long[] {c});
        out.put(b + "attn.w_msa.relative_position_bias_table", new long[] {table, m.heads()[i]});
        out.put(b + "attn.w_msa.qkv.weight", new long[] {3 * c, c});
        out.put(b + "attn.w_msa.qkv.bias", new long[] {3 * c});
        out.put(b + "attn.w_msa.proj.weight", new long[] {c, c});
        out.put(b + "attn.w_msa.proj.bias", new long[] {c});
        out.put(b + "norm2.weight", new long[] {c});
        out.put(b + "norm2.bias", new long[] {c});
        out.put(b + "ffn.layers.0.0.weight", new long[] {hidden, c});
        out.put(b + "ffn.layers.0.0.bias", new long[] {hidden});
        out.put(b + "ffn.layers.1.weight", new long[] {c, hidden});
        out.put(b + "ffn.layers.1.bias", new long[] {c});
      }
      if (i < stages - 1) {
        out.put("stages." + i + ".downsample.norm.weight", new long[] {4 * c});
        out.put("stages." + i + ".downsample.norm.bias", new long[] {4 * c});
        out.put("stages." + i + ".downsample.reduction.weight", new long[] {2 * c, 4 * c});
      }
    }
    for (int i = 0; i < stages; i++) {
      out.put("norm" + i + ".weight", new long[] {c0 << i});
      out.put("norm" + i + ".bias", new long[] {c0 << i});
    }
    return out;
  }
}
