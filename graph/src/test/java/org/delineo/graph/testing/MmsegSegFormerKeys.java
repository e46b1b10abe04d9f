package org.delineo.graph.testing;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The state-dict keys and PyTorch shapes of mmseg 1.2.2's {@code MixVisionTransformer} and
 * {@code SegformerHead}, transcribed from the module trees of {@code mmseg/models/backbones/mit.py},
 * {@code mmseg/models/utils/embed.py} ({@code PatchEmbed}), {@code mmseg/models/decode_heads/segformer_head.py},
 * mmcv's {@code MultiheadAttention} (wrapping {@code nn.MultiheadAttention} as {@code .attn}) and
 * {@code ConvModule} ({@code .conv}, {@code .bn}), not from Delineo's code:
 * <pre>
 * layers[i] = ModuleList([PatchEmbed(projection: Conv2d(k, s, pad k//2), norm: LN),
 *                         ModuleList([TransformerEncoderLayer(norm1, attn, norm2, ffn)] * num_layers[i]),
 *                         LN])
 * attn = EfficientMultiheadAttention: attn (nn.MultiheadAttention: in_proj_weight [3C, C],
 *        in_proj_bias [3C], out_proj Linear(C, C)), sr: Conv2d(C, C, sr, sr) and norm: LN if sr > 1
 * ffn  = MixFFN: layers = Sequential(fc1 1x1, pe_conv 3x3 groups=4C, GELU, Dropout, fc2 1x1, Dropout)
 * </pre>
 */
public final class MmsegSegFormerKeys {
  private MmsegSegFormerKeys() {}

  /**
   * A MiT variant in mmseg's terms, except that {@code dims} is each stage's width (mmseg's
   * {@code embed_dims · num_heads[i]}).
   */
  public record Mit(int inChannels, int[] dims, int[] layers, int[] heads, int[] srRatios, int[] patchSizes,
      int mlpRatio) {}

  /** {@code segformer_mit-b3_8xb1-160k_cityscapes-1024x1024}: embed_dims 64, layers [3, 4, 18, 3]. */
  public static final Mit B3 = new Mit(3, new int[] {64, 128, 320, 512}, new int[] {3, 4, 18, 3},
      new int[] {1, 2, 5, 8}, new int[] {8, 4, 2, 1}, new int[] {7, 3, 3, 3}, 4);

  /** The backbone's parameters (it has no buffers), names without a prefix, in registration order. */
  public static Map<String, long[]> backbone(Mit m) {
    Map<String, long[]> out = new LinkedHashMap<>();
    long in = m.inChannels();
    for (int i = 0; i < m.dims().length; i++) {
      long c = m.dims()[i];
      long k = m.patchSizes()[i];
      long hidden = (long) m.mlpRatio() * c;
      String p = "layers." + i + ".";
      out.put(p + "0.projection.weight", new long[] {c, in, k, k});
      out.put(p + "0.projection.bias", new long[] {c});
      out.put(p + "0.norm.weight", new long[] {c});
      out.put(p + "0.norm.bias", new long[] {c});
      for (int j = 0; j < m.layers()[i]; j++) {
        String b = p + "1." + j + ".";
        out.put(b + "norm1.weight", new long[] {c});
        out.put(b + "norm1.bias", new long[] {c});
        out.put(b + "attn.attn.in_proj_weight", new long[] {3 * c, c});
        out.put(b + "attn.attn.in_proj_bias", new long[] {3 * c});
        out.put(b + "attn.attn.out_proj.weight", new long[] {c, c});
        out.put(b + "attn.attn.out_proj.bias", new long[] {c});
        long sr = m.srRatios()[i];
        if (sr > 1) {
          out.put(b + "attn.sr.weight", new long[] {c, c, sr, sr});
          out.put(b + "attn.sr.bias", new long[] {c});
          out.put(b + "attn.norm.weight", new long[] {c});
          out.put(b + "attn.norm.bias", new long[] {c});
        }
        out.put(b + "norm2.weight", new long[] {c});
        out.put(b + "norm2.bias", new long[] {c});
        out.put(b + "ffn.layers.0.weight", new long[] {hidden, c, 1, 1});
        out.put(b + "ffn.layers.0.bias", new long[] {hidden});
        out.put(b + "ffn.layers.1.weight", new long[] {hidden, 1, 3, 3});
        out.put(b + "ffn.layers.1.bias", new long[] {hidden});
        out.put(b + "ffn.layers.4.weight", new long[] {c, hidden, 1, 1});
        out.put(b + "ffn.layers.4.bias", new long[] {c});
      }
      out.put(p + "2.weight", new long[] {c});
      out.put(p + "2.bias", new long[] {c});
      in = c;
    }
    return out;
  }

  /**
   * The head's state dict under {@code decode_head.}: parameters, and with {@code buffers} the batch
   * norms' {@code running_mean}, {@code running_var} and {@code num_batches_tracked} (shape []).
   */
  public static Map<String, long[]> head(int[] inChannels, int channels, int numClasses, boolean buffers) {
    Map<String, long[]> out = new LinkedHashMap<>();
    long ch = channels;
    // BaseDecodeHead registers conv_seg first, SegformerHead then convs and fusion_conv.
    out.put("decode_head.conv_seg.weight", new long[] {numClasses, ch, 1, 1});
    out.put("decode_head.conv_seg.bias", new long[] {numClasses});
    for (int i = 0; i < inChannels.length; i++) {
      convModule(out, "decode_head.convs." + i, inChannels[i], ch, buffers);
    }
    convModule(out, "decode_head.fusion_conv", ch * inChannels.length, ch, buffers);
    return out;
  }

  private static void convModule(Map<String, long[]> out, String name, long in, long ch, boolean buffers) {
    out.put(name + ".conv.weight", new long[] {ch, in, 1, 1}); // bias='auto': none before a norm
    out.put(name + ".bn.weight", new long[] {ch});
    out.put(name + ".bn.bias", new long[] {ch});
    if (buffers) {
      out.put(name + ".bn.running_mean", new long[] {ch});
      out.put(name + ".bn.running_var", new long[] {ch});
      out.put(name + ".bn.num_batches_tracked", new long[] {});
    }
  }

  /** Σ numel over the entries, leaving out {@code num_batches_tracked} and running statistics. */
  public static long parameters(Map<String, long[]> entries) {
    long n = 0;
    for (Map.Entry<String, long[]> e : entries.entrySet()) {
      if (!e.getKey().contains("running_") && !e.getKey().endsWith("num_batches_tracked")) {
        n += numel(e.getValue());
      }
    }
    return n;
  }

  /** Product of the dimensions (1 for a scalar). */
  public static long numel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }
}
