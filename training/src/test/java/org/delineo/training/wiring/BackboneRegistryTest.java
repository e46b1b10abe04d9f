package org.delineo.training.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.Guice;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.backbones.ResNetV1c;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.proto.BackboneConfig;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.ModelConfig;
import org.delineo.proto.MscanConfig;
import org.delineo.proto.ResNetV1cConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.config.ExperimentConfigLoader;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The backbone registry: one factory per {@code BackboneConfig} case, every scene head on every
 * registered backbone (TRAIN graphs of tiny widths, static shapes checked against the strides
 * the architectures define), and config errors that name the field and what is valid or needed.
 */
class BackboneRegistryTest {
  private static final int SIZE = 192;
  private static final int CLASSES = 19;
  /** Two images: training batch norm after global pooling needs more than one value per channel. */
  private static final int BATCH = 2;

  /** Tiny settings per backbone case; a new case must add one (the first test says so). */
  private static final Map<String, String> TINY_BACKBONES = Map.of(
      "resnet_v1c", "resnet_v1c { base_channels: 4 stage_blocks: [1, 1, 1, 1] }",
      "hrnet_v2", "hrnet_v2 { width: 4 num_modules: [1, 1, 1] num_blocks: 1 }",
      "mit", "mit { embed_dims: [4, 8, 8, 16] num_layers: [1, 1, 1, 1] num_heads: [1, 1, 2, 2] }",
      "mscan", "mscan { embed_dims: [8, 16, 32, 32] depths: [1, 1, 1, 1] mlp_ratios: [1, 1, 1, 1] }",
      "swin", "swin { embed_dims: 4 depths: [1, 2, 1, 1] num_heads: [1, 1, 2, 2] window_size: 2 mlp_ratio: 1 }");

  /** Tiny head settings per scene family (%s: the backbone block). */
  private static final Map<String, String> TINY_HEADS = Map.of(
      "deeplabv3plus", "deeplabv3plus { backbone { %s } channels: 8 c1_channels: 4 aux_head { channels: 4 } }",
      "pspnet", "pspnet { backbone { %s } channels: 8 aux_head { channels: 4 } }",
      "hrnet", "hrnet { backbone { %s } }",
      "segformer", "segformer { backbone { %s } channels: 8 }",
      "segnext", "segnext { backbone { %s } channels: 32 ham_channels: 32 md_r: 4 }",
      "mask2former", "mask2former { backbone { %s } feat_channels: 8 num_queries: 2 num_decoder_layers: 1"
          + " num_heads: 2 decoder_feedforward_channels: 8 encoder_layers: 1 encoder_feedforward_channels: 8"
          + " encoder_points: 1 norm_groups: 2 }");

  /**
   * The feature level whose resolution each head's logits have: DeepLabV3+ decodes at its
   * low-level skip (the finest map), PSPNet at the deepest map, the HRNet FCN head at the finest
   * map it resizes the others to, SegFormer's head at the finest map too, SegNeXt's LightHamHead at
   * the first map it reads (level 1, mmseg in_index [1, 2, 3]); Mask2Former's logits are its semantic
   * scores at the input's size (level −1 here). A new head adds its entry here.
   */
  private static final Map<String, Integer> DECODE_LEVEL =
      Map.of("deeplabv3plus", 0, "pspnet", 3, "hrnet", 0, "segformer", 0, "segnext", 1, "mask2former", -1);

  /** Families without an auxiliary head: HRNet's FCN (PV-10), SegFormer, SegNeXt and Mask2Former (mmseg's configs). */
  private static final Set<String> NO_AUX_HEAD = Set.of("hrnet", "segformer", "segnext", "mask2former");

  /**
   * Strides of the feature maps, finest first, as the architectures define them: ResNetV1c D8 =
   * stem and pool 4, then stage strides 1, 2, 1, 1; HRNetV2 = stem 4, each new branch halves; MiT =
   * patch-embedding strides 4, 2, 2, 2 (mmseg {@code MixVisionTransformer}); MSCAN = a stem of two
   * stride-2 convs, then one stride-2 patch embedding per stage; Swin = 4 × 4 patches, then a 2 × 2
   * patch merging before each further stage (Liu et al. 2021, mmseg {@code SwinTransformer}).
   */
  private static final Map<String, int[]> FEATURE_STRIDES = Map.of(
      "resnet_v1c", new int[] {4, 8, 8, 8},
      "hrnet_v2", new int[] {4, 8, 16, 32},
      "mit", new int[] {4, 8, 16, 32},
      "mscan", new int[] {4, 8, 16, 32},
      "swin", new int[] {4, 8, 16, 32});

  @Test
  void everyBackboneConfigCaseHasOneRegisteredFactory() {
    // BackboneConfig's only oneof, kind.
    Set<String> cases = BackboneConfig.getDescriptor().getOneofs().get(0).getFields().stream()
        .map(FieldDescriptor::getName).collect(Collectors.toCollection(TreeSet::new));
    Map<String, BackboneFactory> registered = Guice.createInjector(new BackbonesModule())
        .getInstance(Key.get(new TypeLiteral<Map<String, BackboneFactory>>() {}));
    assertEquals(cases, new TreeSet<>(registered.keySet()), "one BackbonesModule line per BackboneConfig case");
    assertEquals(cases, new TreeSet<>(TINY_BACKBONES.keySet()), "this test needs tiny settings for every case");
    assertEquals(cases, new TreeSet<>(FEATURE_STRIDES.keySet()), "and the strides it expects");
  }

  @Test
  void everyFamilyWithABackboneIsCoveredHere() {
    // The heads: families (ModelConfig's only oneof) whose message has a BackboneConfig backbone.
    Set<String> heads = ModelConfig.getDescriptor().getOneofs().get(0).getFields().stream()
        .filter(f -> f.getMessageType().findFieldByName("backbone") != null
            && f.getMessageType().findFieldByName("backbone").getMessageType() == BackboneConfig.getDescriptor())
        .map(FieldDescriptor::getName).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(heads, new TreeSet<>(TINY_HEADS.keySet()), "this test needs tiny settings for every head");
    assertEquals(heads, new TreeSet<>(DECODE_LEVEL.keySet()), "and the level it decodes at");
  }

  @Test
  void everyHeadBuildsOnEveryBackbone() {
    for (String backbone : TINY_BACKBONES.keySet()) {
      int[] s = FEATURE_STRIDES.get(backbone);
      for (String family : TINY_HEADS.keySet()) {
        String where = family + " on " + backbone;
        OutputShapes out = build(TINY_HEADS.get(family).formatted(TINY_BACKBONES.get(backbone)));
        int level = DECODE_LEVEL.get(family);
        assertEquals(logits(level < 0 ? 1 : s[level]), out.logits(), where);
        if (NO_AUX_HEAD.contains(family)) {
          assertTrue(out.aux().isEmpty(), where + ": no aux head");
        } else {
          assertEquals(Map.of("aux", logits(s[2])), out.aux(), where + " aux head (in_index 2)");
        }
      }
    }
  }

  @Test
  void anUnsetOrEmptyBackboneBlockIsTheFamilysReferenceBackbone() {
    Map<String, BackboneConfig> received = new TreeMap<>();
    BackboneFactory recording = (config, field) -> {
      received.put(field, config);
      throw new IllegalStateException("recorded");
    };
    BackboneRegistry registry =
        new BackboneRegistry(Map.of("resnet_v1c", recording, "hrnet_v2", recording, "mit", recording,
            "mscan", recording));
    for (String family : List.of("deeplabv3plus {}", "pspnet { backbone {} }", "hrnet { backbone {} }",
        "segformer {}", "segnext {}")) {
      assertThrows(IllegalStateException.class, () -> factory(family, registry).create(model(family), CLASSES, 3));
    }
    assertEquals(Set.of("model.deeplabv3plus.backbone.resnet_v1c", "model.pspnet.backbone.resnet_v1c",
        "model.hrnet.backbone.hrnet_v2", "model.segformer.backbone.mit", "model.segnext.backbone.mscan"),
        received.keySet());
    for (String resnet : List.of("model.deeplabv3plus.backbone.resnet_v1c", "model.pspnet.backbone.resnet_v1c")) {
      ResNetV1cConfig r = received.get(resnet).getResnetV1C();
      assertEquals(List.of(50, 8), List.of(r.getDepth(), r.getOutputStride()), resnet + ": ResNetV1c-50 D8");
    }
    assertEquals(48, received.get("model.hrnet.backbone.hrnet_v2").getHrnetV2().getWidth(), "HRNetV2-W48");
    // MiT-B3: the empty message, whose Default comments say B3 (MitBackboneFactory fills them in).
    assertEquals(org.delineo.proto.MitConfig.getDefaultInstance(), received.get("model.segformer.backbone.mit").getMit());
    MscanConfig mscan = received.get("model.segnext.backbone.mscan").getMscan();
    assertEquals(0, mscan.getEmbedDimsCount() + mscan.getDepthsCount(), "MSCAN-B: the message's defaults");
  }

  /** The registered model factory class of {@code family}, built on {@code registry}. */
  private static ModelFactory factory(String family, BackboneRegistry registry) {
    if (family.startsWith("deeplabv3plus")) {
      return new DeepLabV3PlusFactory(registry);
    }
    if (family.startsWith("segformer")) {
      return new SegFormerFactory(registry);
    }
    if (family.startsWith("segnext")) {
      return new SegNeXtFactory(registry);
    }
    return family.startsWith("pspnet") ? new PspNetFactory(registry) : new HrNetFactory(registry);
  }

  @Test
  void aBackboneCaseWithoutFactoryListsTheRegisteredOnes() {
    BackboneRegistry onlyResNet = new BackboneRegistry(Map.of("resnet_v1c", new ResNetV1cBackboneFactory()));
    ModelConfig hrnetBackbone = model("pspnet { backbone { hrnet_v2 {} } }");
    ConfigException e = assertThrows(ConfigException.class,
        () -> new PspNetFactory(onlyResNet).create(hrnetBackbone, CLASSES, 3));
    assertTrue(e.getMessage().contains("'model.pspnet.backbone.hrnet_v2'") && e.getMessage().contains("hrnet_v2")
        && e.getMessage().contains("valid backbones: resnet_v1c"), e.getMessage());
  }

  @Test
  void anUnknownBackboneNameInAConfigListsTheValidOnes() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ExperimentConfigLoader.parse("model { pspnet { backbone { swin_b {} } } }", "test"));
    assertTrue(e.getMessage().contains("model.pspnet.backbone.swin_b") && e.getMessage().contains("resnet_v1c")
        && e.getMessage().contains("hrnet_v2") && e.getMessage().contains("mit"), e.getMessage());
  }

  @Test
  void backboneSettingsAreCheckedNamingTheirFieldUnderTheFamily() {
    ConfigException width = assertThrows(ConfigException.class,
        () -> build("hrnet { backbone { hrnet_v2 { width: 0 } } }"));
    assertTrue(width.getMessage().contains("'model.hrnet.backbone.hrnet_v2.width'")
        && width.getMessage().contains("found 0"), width.getMessage());
    ConfigException stride = assertThrows(ConfigException.class,
        () -> build("deeplabv3plus { backbone { resnet_v1c { output_stride: 4 } } }"));
    assertTrue(stride.getMessage().contains("'model.deeplabv3plus.backbone.resnet_v1c.output_stride'"),
        stride.getMessage());
    ConfigException heads = assertThrows(ConfigException.class,
        () -> build("segformer { backbone { swin { embed_dims: 4 num_heads: [1, 1, 3, 2] } } }"));
    assertTrue(heads.getMessage().contains("'model.segformer.backbone.swin.num_heads'")
        && heads.getMessage().contains("stage 2 has 3 heads") && heads.getMessage().contains("width 16"),
        heads.getMessage());
  }

  @Test
  void headsStateWhatTheyNeedFromABackbone() {
    // A real ResNetV1c returning only its last stage: one map at stride 8 (64 channels at base 4).
    BackboneFactory lastStageOnly = (config, field) -> {
      ResNetV1c net = ResNetV1c.builder("backbone").stageBlocks(1, 1, 1, 1).stemChannels(4).baseChannels(4)
          .strides(1, 2, 1, 1).dilations(1, 1, 2, 4).outIndices(3).build();
      return new SceneBackbone(net::apply, net.featureLevels());
    };
    BackboneRegistry registry = new BackboneRegistry(Map.of("resnet_v1c", lastStageOnly));

    ConfigException skip = assertThrows(ConfigException.class, () -> new DeepLabV3PlusFactory(registry)
        .create(model("deeplabv3plus { aux_head { enabled: false } }"), CLASSES, 3));
    assertTrue(skip.getMessage().contains("'model.deeplabv3plus.backbone'") && skip.getMessage().contains("finer")
        && skip.getMessage().contains("[8]"), skip.getMessage());

    ConfigException aux = assertThrows(ConfigException.class,
        () -> new PspNetFactory(registry).create(model("pspnet { channels: 8 }"), CLASSES, 3));
    assertTrue(aux.getMessage().contains("'model.pspnet.aux_head.in_index'") && aux.getMessage().contains("[0, 0]")
        && aux.getMessage().contains("found 2"), aux.getMessage());

    // Pyramid pooling needs only a deepest map: it builds, decoding at stride 8.
    SegmentationModel psp = new PspNetFactory(registry)
        .create(model("pspnet { channels: 8 aux_head { in_index: 0 channels: 4 } }"), CLASSES, 3);
    assertEquals(logits(8), apply(psp).logits());
  }

  private static Shape logits(int stride) {
    return Shape.of(BATCH, SIZE / stride, SIZE / stride, CLASSES);
  }

  private static ModelConfig model(String family) {
    return ExperimentConfigLoader.parse("model { " + family + " }", "test").getModel();
  }

  /**
   * Static shapes of a model's logits, read while its graph is open.
   *
   * @param logits the decode head's
   * @param aux the auxiliary heads', by head name
   */
  private record OutputShapes(Shape logits, Map<String, Shape> aux) {}

  /** The TRAIN-mode output shapes of {@code model { family }} on a static BATCH x SIZE x SIZE x 3 input. */
  private static OutputShapes build(String family) {
    ExperimentConfig config = ExperimentConfigLoader.parse("model { " + family + " }", "test");
    return apply(Experiment.create(config, List.of()).model(CLASSES, 3));
  }

  private static OutputShapes apply(SegmentationModel model) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 0);
      Operand<TFloat32> image = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(BATCH, SIZE, SIZE, 3)));
      ModelOutputs out = model.apply(ctx, ModelInputs.of(image));
      Map<String, Shape> aux = new TreeMap<>();
      out.auxLogits().forEach((head, logits) -> aux.put(head, logits.shape()));
      return new OutputShapes(out.logits().shape(), aux);
    }
  }
}
