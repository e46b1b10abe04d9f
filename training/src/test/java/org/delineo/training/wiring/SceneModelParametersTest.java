package org.delineo.training.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Whole-model parameter counts of the reference setups (graph construction only, TRAIN mode so
 * the auxiliary head is built) equal mmsegmentation 1.2.2's for the same configurations with 19 classes
 * (reference-methods.md §0: backbone + decode head + auxiliary head; SegNeXt has no auxiliary head).
 */
class SceneModelParametersTest {

  @Test
  void deeplabv3plus() {
    assertEquals(43_589_878L, count("deeplabv3plus_r50"));
  }

  @Test
  void pspnet() {
    assertEquals(48_975_494L, count("pspnet_r50"));
  }

  @Test
  void hrnet() {
    assertEquals(65_858_659L, count("hrnet_w48"));
  }

  @Test
  void segformer() {
    assertEquals(44_603_859L, count("segformer_mit_b3"));
  }

  @Test
  void segnext() {
    // mmseg 1.2.2 segnext_mscan-b with 19 classes (head channels = ham_channels = 512), by module.
    assertEquals(27_569_107L, count("segnext_mscan_b"));
    assertEquals(Map.of("backbone", 26_277_824L, "decode_head", 1_291_283L),
        Experiment.registeredModels().get("segnext_mscan_b").referenceParameterCounts());
  }

  @Test
  void mask2former() {
    // mmseg mask2former_swin-b-in22k-384x384-pre_8xb2-90k_cityscapes-512x1024 with 19 classes:
    // backbone 86,880,376; decode_head = pixel decoder 5,544,384 + transformer decoder 14,209,280
    // + the rest (queries, level embeddings, cls_embed, mask_embed) 254,484.
    assertEquals(106_888_524L, count("mask2former_swin_b"));
    assertEquals(Map.of("backbone", 86_880_376L, "decode_head", 5_544_384L + 14_209_280L + 254_484L),
        Experiment.registeredModels().get("mask2former_swin_b").referenceParameterCounts());
  }

  /** The registered factory, as {@code delineo models --params} counts it. */
  private static long count(String model) {
    return Experiment.registeredModels().get(model).referenceParameterCount();
  }
}
