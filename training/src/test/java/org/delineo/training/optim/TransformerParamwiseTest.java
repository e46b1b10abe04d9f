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
 * reproduce mmseg's {@code paramwise_cfg.custom_keys = {pos_block: decay 0, norm: decay 0, head: lr x10}}.
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
