package org.delineo.graph.testing;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The state-dict keys and PyTorch shapes of mmdet 3.x's {@code MSDeformAttnPixelDecoder}, transcribed
 * from the module tree of {@code mmdet/models/layers/msdeformattn_pixel_decoder.py} (its
 * {@code __init__}), mmdet's {@code DeformableDetrTransformerEncoderLayer} ({@code self_attn},
 * {@code ffn}, {@code norms} of 2) and mmcv's {@code MultiScaleDeformableAttention},
 * {@code FFN} ({@code layers = Sequential(Sequential(Linear, act, Dropout), Linear, Dropout)}) and
 * {@code ConvModule} ({@code .conv}, {@code .gn}), not from Delineo's code:
 * <pre>
 * input_convs[i]   = ConvModule(in_channels[last − i], C, 1, bias=True, GN)        i = 0..L−1
 * encoder.layers[k]: self_attn.sampling_offsets Linear(C, heads·L·P·2), attention_weights
 *                    Linear(C, heads·L·P), value_proj / output_proj Linear(C, C),
 *                    ffn.layers.0.0 Linear(C, hidden), ffn.layers.1 Linear(hidden, C), norms.0/1 LN(C)
 * level_encoding   = Embedding(L, C)
 * lateral_convs[j] = ConvModule(in_channels[·], C, 1, bias=False, GN);  output_convs[j] =
 *                    ConvModule(C, C, 3, bias=False, GN, ReLU)              j over the other levels
 * mask_feature     = Conv2d(C, out, 1)
 * </pre>
 * The lateral/output convs are numbered as mmdet's forward reads them ({@code lateral_convs[i]} on
 * {@code feats[i]}); mmdet builds them in the reverse order, which agrees when there is one such
 * level (Mask2Former: four inputs, three encoder levels).
 */
public final class MmdetPixelDecoderKeys {
  private MmdetPixelDecoderKeys() {}

  /** The decoder's parameters (it has no buffers), names without a prefix. */
  public static Map<String, long[]> shapes(int[] inChannels, int c, int out, int levels, int layers, int heads,
      int points, int hidden) {
    Map<String, long[]> m = new LinkedHashMap<>();
    int count = inChannels.length;
    for (int i = 0; i < levels; i++) {
      String p = "input_convs." + i + ".";
      m.put(p + "conv.weight", new long[] {c, inChannels[count - 1 - i], 1, 1});
      m.put(p + "conv.bias", new long[] {c});
      m.put(p + "gn.weight", new long[] {c});
      m.put(p + "gn.bias", new long[] {c});
    }
    for (int k = 0; k < layers; k++) {
      String p = "encoder.layers." + k + ".";
      m.put(p + "self_attn.sampling_offsets.weight", new long[] {heads * levels * points * 2, c});
      m.put(p + "self_attn.sampling_offsets.bias", new long[] {heads * levels * points * 2});
      m.put(p + "self_attn.attention_weights.weight", new long[] {heads * levels * points, c});
      m.put(p + "self_attn.attention_weights.bias", new long[] {heads * levels * points});
      m.put(p + "self_attn.value_proj.weight", new long[] {c, c});
      m.put(p + "self_attn.value_proj.bias", new long[] {c});
      m.put(p + "self_attn.output_proj.weight", new long[] {c, c});
      m.put(p + "self_attn.output_proj.bias", new long[] {c});
      m.put(p + "ffn.layers.0.0.weight", new long[] {hidden, c});
      m.put(p + "ffn.layers.0.0.bias", new long[] {hidden});
      m.put(p + "ffn.layers.1.weight", new long[] {c, hidden});
      m.put(p + "ffn.layers.1.bias", new long[] {c});
      m.put(p + "norms.0.weight", new long[] {c});
      m.put(p + "norms.0.bias", new long[] {c});
      m.put(p + "norms.1.weight", new long[] {c});
      m.put(p + "norms.1.bias", new long[] {c});
    }
    m.put("level_encoding.weight", new long[] {levels, c});
    for (int i = count - levels - 1; i >= 0; i--) {
      m.put("lateral_convs." + i + ".conv.weight", new long[] {c, inChannels[i], 1, 1});
      m.put("lateral_convs." + i + ".gn.weight", new long[] {c});
      m.put("lateral_convs." + i + ".gn.bias", new long[] {c});
      m.put("output_convs." + i + ".conv.weight", new long[] {c, c, 3, 3});
      m.put("output_convs." + i + ".gn.weight", new long[] {c});
      m.put("output_convs." + i + ".gn.bias", new long[] {c});
    }
    m.put("mask_feature.weight", new long[] {out, c, 1, 1});
    m.put("mask_feature.bias", new long[] {out});
    return m;
  }
}
