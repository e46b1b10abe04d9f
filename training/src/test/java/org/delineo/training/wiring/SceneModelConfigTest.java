package org.delineo.training.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.model.ModelInputs;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.config.ExperimentConfigLoader;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The driving-scene family blocks' settings reach the built graph: trainable parameter counts of
 * TRAIN graphs (auxiliary heads included) against counts written out by hand.
 */
class SceneModelConfigTest {

  /** ConvModule: conv without bias + BN weight and bias. */
  static long convModule(long k, long in, long out) {
    return k * k * in * out + 2 * out;
  }

  /** DepthwiseSeparableConvModule: depthwise k×k + BN(in), pointwise 1×1 + BN(out). */
  static long separable(long k, long in, long out) {
    return k * k * in + 2 * in + in * out + 2 * out;
  }

  @Test
  void c1ChannelsSizeTheLowLevelProjection() {
    String tiny = "deeplabv3plus { backbone { resnet_v1c { base_channels: 4 stage_blocks: [1, 1, 1, 1] } } channels: 8"
        + " aux_head { enabled: false } c1_channels: %d }";
    // Stage 1 of base width 4 gives 4·4 = 16 channels. Only c1_bottleneck (1×1 16→c1) and the
    // first separable conv (input 8 + c1) depend on c1_channels.
    long delta = convModule(1, 16, 12) - convModule(1, 16, 4)
        + separable(3, 8 + 12, 8) - separable(3, 8 + 4, 8);
    assertEquals(8 * (16 + 2 + 9 + 2 + 8), delta, "hand: 37 parameters per c1 channel");
    assertEquals(delta, count(tiny.formatted(12)) - count(tiny.formatted(4)));
  }

  @Test
  void baseChannelsSetTheStemWidthUnlessStemChannelsIsGiven() {
    String tiny = "pspnet { backbone { resnet_v1c { base_channels: 4 stage_blocks: [1, 1, 1, 1] %s } } channels: 8"
        + " aux_head { enabled: false } }";
    // Only the stem (3×3 convs 3→s/2, s/2→s/2, s/2→s, each + BN) and the first bottleneck of
    // layer1 (its 1×1 conv and its 1×1 projection read s channels; p = 4, 4p = 16, so both widths
    // below keep the projection) depend on the stem width s.
    assertEquals(178, stem(4), "hand: 54 + 4 + 36 + 4 + 72 + 8");
    assertEquals(572, stem(8), "hand: 108 + 8 + 144 + 8 + 288 + 16");
    long delta = stem(8) - stem(4) + (8 - 4) * 4 + (8 - 4) * 16;
    assertEquals(474, delta);
    assertEquals(delta, count(tiny.formatted("stem_channels: 8")) - count(tiny.formatted("")),
        "stem_channels 0 follows base_channels 4");
    assertEquals(0, count(tiny.formatted("stem_channels: 4")) - count(tiny.formatted("")));
  }

  @Test
  void oddStemWidthIsAConfigError() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> count("pspnet { backbone { resnet_v1c { base_channels: 3 } } }"));
    assertTrue(e.getMessage().contains("model.pspnet.backbone.resnet_v1c.stem_channels"), e.getMessage());
  }

  @Test
  void pspHeadAndAuxHeadOnHrNetW18() {
    assertEquals(65_325_120L, hrnetBackbone(48), "hand formula vs reference table (HrNetTest)");
    // HRNet-W18 branches: 18, 36, 72, 144 channels; PSPHead reads the deepest (144), the aux head
    // feature 2 (72).
    long psp = 4 * convModule(1, 144, 512) + convModule(3, 144 + 4 * 512, 512) + convSeg(512);
    long aux = convModule(3, 72, 256) + convSeg(256);
    assertEquals(hrnetBackbone(18) + psp + aux, count("pspnet { backbone { hrnet_v2 { width: 18 } } }"));
  }

  @Test
  void asppHeadOnHrNetW18ReadsTheDeepestAndTheFinestBranch() {
    long imagePool = convModule(1, 144, 512);
    long aspp = convModule(1, 144, 512) + 3 * separable(3, 144, 512);
    long bottleneck = convModule(3, 5 * 512, 512);
    long c1 = convModule(1, 18, 48);
    long sep = separable(3, 512 + 48, 512) + separable(3, 512, 512);
    long head = imagePool + aspp + bottleneck + c1 + sep + convSeg(512);
    assertEquals(hrnetBackbone(18) + head,
        count("deeplabv3plus { backbone { hrnet_v2 { width: 18 } } aux_head { enabled: false } }"));
  }

  @Test
  void fcnHeadOnResNetV1c50ConcatenatesItsFourStages() {
    long backbone = stem(64) + stage(64, 64, 3) + stage(256, 128, 4) + stage(512, 256, 6) + stage(1024, 512, 3);
    assertEquals(23_527_264L, backbone, "hand formula vs reference table (ResNetV1cTest)");
    // head_channels 0 = 256 + 512 + 1024 + 2048 = 3840; one 1×1 ConvModule, then conv_seg.
    long head = convModule(1, 3840, 3840) + convSeg(3840);
    assertEquals(backbone + head, count("hrnet { backbone { resnet_v1c {} } }"));
  }

  @Test
  void misplacedBackboneSettingsAreConfigErrors() {
    ConfigException both = assertThrows(ConfigException.class,
        () -> count("hrnet { backbone { hrnet_v2 { width: 18 } resnet_v1c {} } }"));
    assertTrue(both.getMessage().contains("model.hrnet.backbone"), both.getMessage());
    ConfigException index = assertThrows(ConfigException.class,
        () -> count("pspnet { backbone { hrnet_v2 { width: 18 } } aux_head { in_index: 4 } }"));
    assertTrue(index.getMessage().contains("model.pspnet.aux_head.in_index"), index.getMessage());
  }

  /** conv_seg for 19 classes: 1×1 with bias. */
  static long convSeg(long in) {
    return in * 19 + 19;
  }

  /** ResNet bottleneck in → 4p: 1×1 in→p, 3×3 p→p, 1×1 p→4p, three BNs; projection 1×1 in→4p + BN. */
  static long bottleneck(long in, long p, boolean projection) {
    long main = in * p + 2 * p + 9 * p * p + 2 * p + p * 4 * p + 2 * 4 * p;
    return main + (projection ? in * 4 * p + 2 * 4 * p : 0);
  }

  /** A ResNet stage whose first block projects. */
  static long stage(long in, long p, int blocks) {
    return bottleneck(in, p, true) + (blocks - 1) * bottleneck(4 * p, p, false);
  }

  /** HRNetV2 (modules 1, 4, 3; 4 basic blocks) of width w, HrNetTest's hand count. */
  static long hrnetBackbone(long w) {
    long stem = 9 * 3 * 64 + 2 * 64 + 9 * 64 * 64 + 2 * 64;
    long layer1 = 286_208; // four bottlenecks 64 → 256, see HrNetTest
    long t1 = 9 * 256 * w + 2 * w + 9 * 256 * 2 * w + 2 * 2 * w;
    long t2 = 9 * 2 * w * 4 * w + 2 * 4 * w;
    long t3 = 9 * 4 * w * 8 * w + 2 * 8 * w;
    return stem + layer1 + t1 + t2 + t3 + hrModule(w, 2 * w) + 4 * hrModule(w, 2 * w, 4 * w)
        + 3 * hrModule(w, 2 * w, 4 * w, 8 * w);
  }

  /** One HRModule: 4 basic blocks (two 3×3 convs + BNs) per branch, every output fused. */
  private static long hrModule(long... ch) {
    long n = 0;
    for (long c : ch) {
      n += 4 * 2 * (9 * c * c + 2 * c);
    }
    for (int i = 0; i < ch.length; i++) {
      for (int j = 0; j < ch.length; j++) {
        if (j > i) {
          n += ch[j] * ch[i] + 2 * ch[i]; // 1×1 + BN, then upsampling
        } else if (j < i) {
          // i − j stride-2 3×3 convs, all but the last keeping ch[j] channels.
          n += (i - j - 1) * (9 * ch[j] * ch[j] + 2 * ch[j]) + 9 * ch[j] * ch[i] + 2 * ch[i];
        }
      }
    }
    return n;
  }

  /** ResNetV1c deep stem of width s on 3 input channels: three 3×3 convs without bias, three BNs. */
  static long stem(long s) {
    long h = s / 2;
    return 9 * 3 * h + 2 * h + 9 * h * h + 2 * h + 9 * h * s + 2 * s;
  }

  /** Trainable parameters of {@code family} (a ModelConfig family block) for 19 classes, TRAIN graph. */
  static long count(String family) {
    ExperimentConfig config = ExperimentConfigLoader.parse("model { " + family + " }", "test");
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 0);
      Placeholder<TFloat32> image =
          ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 256, 256, 3)));
      Experiment.create(config, List.of()).model(19, 3).apply(ctx, ModelInputs.of(image));
      return ctx.variables().trainableParameterCount();
    }
  }
}
