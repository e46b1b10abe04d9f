package org.delineo.graph.backbones;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.models.Backbone;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The backbones' stated contract ({@link FeatureLevels}) matches the maps they build: each map's
 * channels and its size (input / stride) on a static 128 x 128 image, and the strides the
 * architectures define (ResNetV1c: stem + pool 4, then the stage strides; HRNetV2 and MSCAN: 4, 8, 16,
 * 32; Mix Transformer: patch-embedding strides 4, 2, 2, 2; Swin: 4 × 4 patches, then a 2 × 2 patch
 * merging before each further stage).
 */
class FeatureLevelsTest {
  private static final int SIZE = 128;

  private static ResNetV1c.Builder tinyResNet() {
    return ResNetV1c.builder("backbone").stageBlocks(1, 1, 1, 1).stemChannels(4).baseChannels(4);
  }

  @Test
  void resNetV1cD8D16AndD32() {
    // Stage i of base width 4 returns 4 · 2^i · 4 (bottleneck expansion) channels.
    List<Integer> channels = List.of(16, 32, 64, 128);
    assertContract(tinyResNet().build(), channels, List.of(4, 8, 8, 8));
    assertContract(tinyResNet().strides(1, 2, 2, 1).dilations(1, 1, 1, 2).build(), channels, List.of(4, 8, 16, 16));
    assertContract(tinyResNet().strides(1, 2, 2, 2).dilations(1, 1, 1, 1).build(), channels, List.of(4, 8, 16, 32));
  }

  @Test
  void resNetV1cReportsOnlyTheStagesItReturns() {
    ResNetV1c net = tinyResNet().outIndices(1, 3).build();
    assertContract(net, List.of(32, 128), List.of(8, 8));
    assertFalse(net.featureLevels().hasLowLevelSkip(), "stride 8 is not finer than stride 8");
  }

  @Test
  void hrNetV2() {
    HrNet net = HrNet.builder("backbone").width(4).modules(1, 1, 1).blocks(1).build();
    assertContract(net::apply, net.featureLevels(), List.of(4, 8, 16, 32), List.of(4, 8, 16, 32));
    FeatureLevels levels = net.featureLevels();
    assertEquals(3, levels.deepest());
    assertEquals(32, levels.outputStride());
    assertEquals(60, levels.totalChannels(), "4 + 8 + 16 + 32");
    assertTrue(levels.hasLowLevelSkip());
  }

  @Test
  void mixTransformer() {
    MixTransformer net = MixTransformer.builder("backbone").embedDims(8, 16, 24, 32).numLayers(1, 1, 1, 1)
        .numHeads(1, 1, 2, 2).build();
    assertContract(net::apply, net.featureLevels(), List.of(8, 16, 24, 32), List.of(4, 8, 16, 32));
    assertEquals(80, net.featureLevels().totalChannels(), "8 + 16 + 24 + 32");
  }

  @Test
  void mscan() {
    // SegNeXt: stem of two stride-2 convs (stride 4), then one stride-2 patch embedding per stage.
    Mscan net = Mscan.builder("backbone").embedDims(8, 16, 32, 32).depths(1, 1, 1, 1).build();
    assertContract(net::apply, net.featureLevels(), List.of(8, 16, 32, 32), List.of(4, 8, 16, 32));
    assertTrue(net.featureLevels().hasLowLevelSkip());
  }

  @Test
  void swinTransformer() {
    // Stage i has embed_dims · 2^i channels (the merging doubles them).
    SwinTransformer net = SwinTransformer.builder("backbone").embedDims(8).depths(1, 1, 1, 1).numHeads(1, 1, 2, 2)
        .windowSize(4).build();
    assertContract(net::apply, net.featureLevels(), List.of(8, 16, 32, 64), List.of(4, 8, 16, 32));
    assertTrue(net.featureLevels().hasLowLevelSkip());
  }

  @Test
  void inconsistentLevelsAreRejected() {
    assertThrows(DelineoException.class, () -> new FeatureLevels(List.of(8, 16), List.of(4)));
    assertThrows(DelineoException.class, () -> new FeatureLevels(List.of(), List.of()));
    assertThrows(DelineoException.class, () -> new FeatureLevels(List.of(8, 16), List.of(8, 4)));
  }

  private static void assertContract(ResNetV1c net, List<Integer> channels, List<Integer> strides) {
    assertContract(net::apply, net.featureLevels(), channels, strides);
  }

  private static void assertContract(Backbone net, FeatureLevels levels, List<Integer> channels,
      List<Integer> strides) {
    assertEquals(new FeatureLevels(channels, strides), levels);
    List<Shape> expected = new ArrayList<>();
    for (int i = 0; i < channels.size(); i++) {
      expected.add(Shape.of(1, SIZE / strides.get(i), SIZE / strides.get(i), channels.get(i)));
    }
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 0);
      Operand<TFloat32> image = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, SIZE, SIZE, 3)));
      assertEquals(expected, net.apply(ctx, image).stream().map(Operand::shape).toList());
    }
  }
}
