package org.delineo.training.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.VariableKind;
import org.delineo.proto.OptimizerConfig;
import org.delineo.training.config.ExperimentConfigLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The parameter groups of {@code configs/prove/segformer_mit_b3.pbtxt} and {@code segnext_mscan_b.pbtxt}
 * reproduce mmseg's {@code paramwise_cfg.custom_keys = {pos_block: decay 0, norm: decay 0, head: lr x10}};
 * those of {@code mask2former_swin_b.pbtxt} mmseg's Swin-B Mask2Former keys with {@code norm_decay_mult=0}.
 * The expected multipliers are worked out by hand from mmengine's rule (keys tried longest first, then
 * alphabetically; a key matches as a substring of the full name; the first match sets both multipliers,
 * each defaulting to 1; everything unmatched, biases included, is decayed).
 */
class TransformerParamwiseTest {

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
      // name, kind, lr_mult, decay_mult
      "segformer_mit_b3, backbone.layers.0.0.projection.weight, WEIGHT, 1, 1",
      "segformer_mit_b3, backbone.layers.0.0.projection.bias, BIAS, 1, 1",
      "segformer_mit_b3, backbone.layers.0.0.norm.weight, NORM, 1, 0",
      "segformer_mit_b3, backbone.layers.2.1.7.attn.norm.bias, NORM, 1, 0",
      "segformer_mit_b3, backbone.layers.1.1.0.norm2.weight, NORM, 1, 0",
      // The stage-end LayerNorm's name has no "norm" in it: decayed, as in mmseg.
      "segformer_mit_b3, backbone.layers.3.2.weight, NORM, 1, 1",
      "segformer_mit_b3, backbone.layers.1.1.0.attn.attn.in_proj_weight, WEIGHT, 1, 1",
      // 'head' is tried before 'norm': the head's batch norms take lr x10 and are decayed.
      "segformer_mit_b3, decode_head.convs.0.bn.weight, NORM, 10, 1",
      "segformer_mit_b3, decode_head.fusion_conv.conv.weight, WEIGHT, 10, 1",
      "segformer_mit_b3, decode_head.conv_seg.bias, BIAS, 10, 1",
      "segnext_mscan_b, backbone.patch_embed1.proj.1.weight, NORM, 1, 1",
      "segnext_mscan_b, backbone.patch_embed2.norm.weight, NORM, 1, 0",
      "segnext_mscan_b, backbone.block1.0.norm1.bias, NORM, 1, 0",
      "segnext_mscan_b, backbone.block2.1.layer_scale_1, WEIGHT, 1, 1",
      "segnext_mscan_b, backbone.norm4.weight, NORM, 1, 0",
      "segnext_mscan_b, backbone.block3.0.attn.spatial_gating_unit.conv0_1.bias, BIAS, 1, 1",
      "segnext_mscan_b, decode_head.squeeze.gn.weight, NORM, 10, 1",
      "segnext_mscan_b, decode_head.hamburger.ham_in.conv.weight, WEIGHT, 10, 1",
      // Mask2Former Swin-B: backbone lr x0.1; its norms and bias tables also decay 0; its biases decayed.
      "mask2former_swin_b, backbone.patch_embed.projection.weight, WEIGHT, 0.1, 1",
      "mask2former_swin_b, backbone.patch_embed.norm.weight, NORM, 0.1, 0",
      "mask2former_swin_b, backbone.stages.2.blocks.17.norm2.bias, NORM, 0.1, 0",
      "mask2former_swin_b, backbone.stages.1.downsample.norm.weight, NORM, 0.1, 0",
      "mask2former_swin_b, backbone.norm3.weight, NORM, 0.1, 0",
      "mask2former_swin_b, backbone.stages.0.blocks.1.attn.w_msa.relative_position_bias_table, EMBEDDING, 0.1, 0",
      "mask2former_swin_b, backbone.stages.0.blocks.1.attn.w_msa.qkv.bias, BIAS, 0.1, 1",
      // Head: the query / level embeddings decay 0; norms (norm_decay_mult 0) decay 0; biases and the pixel
      // decoder's level_encoding (no custom key matches it) are decayed.
      "mask2former_swin_b, decode_head.query_embed.weight, EMBEDDING, 1, 0",
      "mask2former_swin_b, decode_head.query_feat.weight, EMBEDDING, 1, 0",
      "mask2former_swin_b, decode_head.level_embed.weight, EMBEDDING, 1, 0",
      "mask2former_swin_b, decode_head.pixel_decoder.level_encoding.weight, EMBEDDING, 1, 1",
      "mask2former_swin_b, decode_head.pixel_decoder.input_convs.0.gn.weight, NORM, 1, 0",
      "mask2former_swin_b, decode_head.pixel_decoder.encoder.layers.5.norms.1.bias, NORM, 1, 0",
      "mask2former_swin_b, decode_head.transformer_decoder.post_norm.weight, NORM, 1, 0",
      "mask2former_swin_b, decode_head.transformer_decoder.layers.8.ffn.layers.1.bias, BIAS, 1, 1",
      "mask2former_swin_b, decode_head.cls_embed.weight, WEIGHT, 1, 1",
  })
  void multipliersFollowMmsegCustomKeys(String model, String name, VariableKind kind, float lr, float decay) {
    OptimizerConfig optimizer = ExperimentConfigLoader.load(
        Path.of("..", "configs", "prove", model + ".pbtxt"), List.of()).getOptimizer();
    List<ParameterGroup> groups = OptimizerFactory.groups(optimizer);
    ModelVariable<?> v = new ModelVariable<>(name, null, null, null, kind);
    assertEquals(lr, ParameterGroup.lrMultiplierOf(groups, v), name + " lr_mult");
    assertEquals(decay, ParameterGroup.decayMultiplierOf(groups, v), name + " decay_mult");
  }
}
