package org.delineo.training.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.delineo.proto.AdamConfig;
import org.delineo.proto.AugmentationConfig;
import org.delineo.proto.AuxHeadConfig;
import org.delineo.proto.BackboneConfig;
import org.delineo.proto.BoundaryLossConfig;
import org.delineo.proto.CheckpointConfig;
import org.delineo.proto.CrossEntropyLossConfig;
import org.delineo.proto.DataConfig;
import org.delineo.proto.DeepLabV3PlusConfig;
import org.delineo.proto.DiceLossConfig;
import org.delineo.proto.EarlyStoppingConfig;
import org.delineo.proto.EvalConfig;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.ExportConfig;
import org.delineo.proto.FocalLossConfig;
import org.delineo.proto.LossConfig;
import org.delineo.proto.LossTermConfig;
import org.delineo.proto.LovaszLossConfig;
import org.delineo.proto.MetaDropConfig;
import org.delineo.proto.MetricRule;
import org.delineo.proto.ModalityMaskMode;
import org.delineo.proto.ModelConfig;
import org.delineo.proto.NormType;
import org.delineo.proto.OhemConfig;
import org.delineo.proto.OptimizerConfig;
import org.delineo.proto.ParameterGroupConfig;
import org.delineo.proto.PolyScheduleConfig;
import org.delineo.proto.PrismConfig;
import org.delineo.proto.ResNetV1cConfig;
import org.delineo.proto.RuntimeConfig;
import org.delineo.proto.ScheduleConfig;
import org.delineo.proto.StrategyConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExperimentConfigLoaderTest {
  // Float defaults are compared exactly: a proto default is stored as the float nearest to the
  // written decimal, which is also what the literal 0.1f denotes.

  @TempDir Path dir;

  @Test
  void fullConfigRoundTripsThroughTextFormat() {
    ExperimentConfig config = fullConfig();
    String text = ExperimentConfigLoader.toText(config);
    assertEquals(config, ExperimentConfigLoader.parse(text, "dump.pbtxt"), text);
  }

  @Test
  void emptyConfigReadsTheReferenceDefaults() {
    ExperimentConfig c = ExperimentConfigLoader.parse("", "empty.pbtxt");
    assertEquals(ExperimentConfig.getDefaultInstance(), c);
    // Values below are the reference figures of reference-methods.md, typed in by hand.
    assertEquals(255, c.getData().getIgnoreIndex());
    assertEquals(255, c.getLoss().getIgnoreIndex());
    assertEquals(DataConfig.Layout.CITYSCAPES, c.getData().getLayout());
    assertEquals(ModalityMaskMode.PDT, c.getData().getModalityMaskMode());
    assertEquals(0.5f, c.getData().getAugmentation().getFlipProb());
    assertEquals(0.8f, c.getData().getAugmentation().getStrong().getColorJitterProb());

    assertEquals(0.4f, c.getLoss().getAuxHeadWeight());
    assertEquals(0.3f, c.getLoss().getAuxLossWeight());
    assertEquals(LossConfig.AuxLoss.NONE, c.getLoss().getAuxLoss());
    assertFalse(c.getLoss().hasOhem(), "OHEM is off unless present");
    assertEquals(0.7f, c.getLoss().getOhem().getThresh());
    assertEquals(100000, c.getLoss().getOhem().getMinKept());
    LossTermConfig term = LossTermConfig.getDefaultInstance();
    assertEquals("decode", term.getHead());
    assertEquals(1f, term.getWeight());
    assertTrue(term.getCrossEntropy().getAvgNonIgnore());
    assertEquals(0f, term.getCrossEntropy().getLabelSmoothing());
    assertEquals(2f, term.getFocal().getGamma());
    assertEquals(0.5f, term.getFocal().getAlpha());
    assertEquals(FocalLossConfig.Form.SOFTMAX, term.getFocal().getForm());
    assertTrue(term.getLovasz().getPerImage());
    assertEquals(LovaszLossConfig.Classes.ALL, term.getLovasz().getClasses());
    assertEquals(BoundaryLossConfig.Mode.SOBEL, term.getBoundary().getMode());
    assertEquals(1f, term.getDice().getSmooth());
    assertEquals(2f, term.getDice().getExponent());

    EarlyStoppingConfig stop = c.getEarlyStopping();
    assertEquals(5, stop.getPatience());
    assertEquals(0.1f, stop.getMinDelta());
    assertEquals("val/mIoU", stop.getMonitor());
    assertEquals(MetricRule.GREATER, stop.getRule());
    assertFalse(stop.getEnabled());
    assertEquals(2000, c.getEval().getIntervalSteps());
    assertEquals(EvalConfig.Mode.WHOLE, c.getEval().getMode());
    assertEquals(3, c.getCheckpoint().getKeepLast());

    OptimizerConfig opt = c.getOptimizer();
    assertEquals(OptimizerConfig.KindCase.KIND_NOT_SET, opt.getKindCase());
    assertEquals(0.9f, opt.getSgd().getMomentum());
    assertEquals(0.01f, opt.getLr());
    assertEquals(5e-4f, opt.getWeightDecay());
    assertEquals(0f, opt.getClipGradNorm());
    assertFalse(opt.getDecayNormAndBias());
    assertEquals(0.999f, opt.getAdamw().getBeta2());
    assertEquals(1e-8f, opt.getAdam().getEpsilon());

    ScheduleConfig schedule = c.getSchedule();
    assertEquals(0.9f, schedule.getPoly().getPower());
    assertEquals(1e-6f, schedule.getPoly().getMinLr());
    assertEquals(0.001f, schedule.getWarmupStartFactor());
    assertEquals(1000, schedule.getWarmupSteps());
    assertEquals(15000, schedule.getTotalSteps());

    ModelConfig model = c.getModel();
    assertEquals(ModelConfig.FamilyCase.FAMILY_NOT_SET, model.getFamilyCase());
    assertEquals(NormType.BATCH, model.getNorm());
    DeepLabV3PlusConfig deeplab = model.getDeeplabv3Plus();
    assertEquals(50, deeplab.getBackbone().getResnetV1C().getDepth());
    assertEquals(8, deeplab.getBackbone().getResnetV1C().getOutputStride());
    assertEquals(512, deeplab.getChannels());
    assertEquals(48, deeplab.getC1Channels());
    assertEquals(0.1f, deeplab.getDropout());
    assertTrue(deeplab.getAuxHead().getEnabled());
    assertEquals(256, deeplab.getAuxHead().getChannels());
    assertEquals(512, model.getPspnet().getChannels());
    assertEquals(48, model.getHrnet().getBackbone().getHrnetV2().getWidth());
    assertEquals(8, model.getPrismRfnet().getBasicDims());
    assertEquals(80, model.getPrismRfnet().getCropSize());
    assertEquals(128, model.getSemsimUnet().getSfm().getDim());

    PrismConfig prism = c.getStrategy().getPrism();
    assertEquals(4f, prism.getTemperature());
    assertEquals(0.5f, prism.getKdWeight());
    assertEquals(0.1f, prism.getProtoWeight());
    assertEquals(0.5f, prism.getPrmStartWeight());
    MetaDropConfig meta = c.getStrategy().getMetaDrop();
    assertEquals(0f, meta.getAlpha());
    assertEquals(MetaDropConfig.MetaUpdate.OPTIMIZER, meta.getMetaUpdate());
    assertEquals(ModalityMaskMode.FULL, meta.getMetaMaskMode());
    assertEquals(0.95f, c.getStrategy().getSemsim().getTau());
    assertEquals(0.5f, c.getStrategy().getSemsim().getLambdaU());
    assertEquals(0.25f, c.getStrategy().getSemsim().getLambdaIntra());
    assertEquals(0.25f, c.getStrategy().getSemsim().getLambdaCross());
    assertEquals(1000f, c.getStrategy().getSemsim().getR());
    assertEquals(4, c.getStrategy().getSemsim().getSubRegions());

    assertEquals("exports", c.getExport().getBaseDir());
    assertEquals(1024L, c.getRuntime().getSeed());
    assertEquals(RuntimeConfig.Device.AUTO, c.getRuntime().getDevice());
  }

  @Test
  void loadReadsTheFileThenAppliesOverridesInOrder() throws IOException {
    Path file = write("x.pbtxt", "name: \"base\"\noptimizer { lr: 0.02 sgd { nesterov: true } }\n");
    ExperimentConfig c = ExperimentConfigLoader.load(file,
        List.of("optimizer.lr=0.5", "name=second", "optimizer.lr=1e-4"));
    assertEquals("second", c.getName());
    assertEquals(1e-4f, c.getOptimizer().getLr());
    assertTrue(c.getOptimizer().getSgd().getNesterov());
  }

  @Test
  void badValueNamesFileLineColumnFieldAndExpectation() throws IOException {
    Path file = write("bad.pbtxt", "name: \"x\"\noptimizer {\n  sgd { momentum: 0.9 }\n"
        + "  lr: abc\n}\n");
    ConfigException e = assertThrows(ConfigException.class,
        () -> ExperimentConfigLoader.load(file, List.of()));
    assertEquals(file + ":4:7: field 'optimizer.lr': expected a float, found \"abc\"",
        e.getMessage());
  }

  @Test
  void unknownFieldListsTheValidNamesAtItsLevel() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ExperimentConfigLoader.parse("loss {\n  aux_los: FOCAL\n}\n", "c.pbtxt"));
    assertTrue(e.getMessage().startsWith("c.pbtxt:2:3: unknown field 'loss.aux_los'; "
        + "valid fields of LossConfig: terms, aux_loss, aux_loss_weight, aux_head_weight, ohem, "
        + "ignore_index"), e.getMessage());
  }

  @Test
  void badEnumListsTheValidNames() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ExperimentConfigLoader.parse("model { norm: LAYER }", "m.pbtxt"));
    assertEquals("m.pbtxt:1:15: field 'model.norm': expected one of BATCH, SYNC_BATCH, GROUP, "
        + "INSTANCE, found \"LAYER\"", e.getMessage());
  }

  @Test
  void badElementInsideListsAndRepeatedMessagesIsLocated() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ExperimentConfigLoader.parse("data { crop_size: [512, x] }", "d.pbtxt"));
    assertEquals("d.pbtxt:1:25: field 'data.crop_size': expected an integer, found \"x\"",
        e.getMessage());
    e = assertThrows(ConfigException.class, () -> ExperimentConfigLoader.parse(
        "loss {\n  terms { weight: 1 }\n  terms {\n    focal { gamma: two }\n  }\n}", "l.pbtxt"));
    assertEquals("l.pbtxt:4:20: field 'loss.terms.focal.gamma': expected a float, found \"two\"",
        e.getMessage());
  }

  @Test
  void unquotedStringAndOutOfRangeIntegerAreExplained() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ExperimentConfigLoader.parse("name: baseline", "n.pbtxt"));
    assertEquals("n.pbtxt:1:7: field 'name': expected a string in double quotes, found "
        + "\"baseline\"", e.getMessage());
    e = assertThrows(ConfigException.class,
        () -> ExperimentConfigLoader.parse("eval { interval_steps: 3000000000 }", "i.pbtxt"));
    assertEquals("i.pbtxt:1:24: field 'eval.interval_steps': expected an integer, found "
        + "\"3000000000\"", e.getMessage());
  }

  @Test
  void fieldGivenTwiceAndTwoOneofMembersAreErrors() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ExperimentConfigLoader.parse("optimizer {\n  lr: 0.1\n  lr: 0.2\n}", "t.pbtxt"));
    assertTrue(e.getMessage().startsWith("t.pbtxt:3:5: field 'optimizer.lr': "), e.getMessage());
    assertTrue(e.getMessage().contains("cannot be overwritten"), e.getMessage());
    e = assertThrows(ConfigException.class,
        () -> ExperimentConfigLoader.parse("optimizer { sgd {} adam {} }", "o.pbtxt"));
    assertTrue(e.getMessage().startsWith("o.pbtxt:1:20: field 'optimizer.adam': "),
        e.getMessage());
    assertTrue(e.getMessage().contains("oneof"), e.getMessage());
  }

  @Test
  void syntaxErrorsSayWhatWasExpectedAndFound() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ExperimentConfigLoader.parse("optimizer { lr 0.1 }", "s.pbtxt"));
    assertEquals("s.pbtxt:1:16: field 'optimizer.lr': syntax error: expected \":\", found "
        + "\"0.1\"", e.getMessage());
    e = assertThrows(ConfigException.class,
        () -> ExperimentConfigLoader.parse("optimizer {\n  lr: 0.1\n", "u.pbtxt"));
    assertEquals("u.pbtxt:3:1: field 'optimizer.lr': syntax error: expected \"}\", found the "
        + "end of the text", e.getMessage());
  }

  @Test
  void missingFileNamesThePath() {
    Path missing = dir.resolve("nope.pbtxt");
    ConfigException e = assertThrows(ConfigException.class,
        () -> ExperimentConfigLoader.load(missing, List.of()));
    assertEquals("config file not found: " + missing, e.getMessage());
  }

  @Test
  void commentsAndListSyntaxAreAccepted() {
    ExperimentConfig c = ExperimentConfigLoader.parse(
        "# an experiment\nname: 'x'  # trailing\ndata { crop_size: [64, 32] mean: 1 mean: 2 }\n"
            + "loss { terms: [{ head: \"aux\" }, { weight: 0.5 }] }\n", "ok.pbtxt");
    assertEquals(List.of(64, 32), c.getData().getCropSizeList());
    assertEquals(List.of(1f, 2f), c.getData().getMeanList());
    assertEquals("aux", c.getLoss().getTerms(0).getHead());
    assertEquals(0.5f, c.getLoss().getTerms(1).getWeight());
  }

  private Path write(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
  }

  // Sets at least one field of every message, both oneof alternatives somewhere, lists, enums,
  // special strings and small floats.
  private static ExperimentConfig fullConfig() {
    return ExperimentConfig.newBuilder()
        .setName("prove \"dlv3+\" — ablation")
        .setDescription("line1\nline2")
        .setModel(ModelConfig.newBuilder()
            .setNumClasses(19).setInChannels(3).setInitCheckpoint("ckpt/r50")
            .addInitCheckpointModules("backbone").setNorm(NormType.GROUP)
            .setDeeplabv3Plus(DeepLabV3PlusConfig.newBuilder()
                .setBackbone(BackboneConfig.newBuilder()
                    .setResnetV1C(ResNetV1cConfig.newBuilder().setDepth(101).setOutputStride(16)))
                .addAllAsppDilations(List.of(1, 6, 12, 18)).setChannels(256).setDropout(0.2f)
                .setAuxHead(AuxHeadConfig.newBuilder().setEnabled(false).setChannels(128))))
        .setData(DataConfig.newBuilder()
            .setLayout(DataConfig.Layout.SYNTHETIC_BRATS3D).setRoot("/data/brats")
            .setTrainSplit("train.txt").setBatchSize(1).addAllCropSize(List.of(80, 80, 80))
            .addAllMean(List.of(123.675f, 116.28f, 103.53f)).setIgnoreIndex(-1)
            .setModalityMaskMode(ModalityMaskMode.UTD_DROP).setModalitySplitCsv("split.csv")
            .setLabeledFraction(0.05f)
            .setAugmentation(AugmentationConfig.newBuilder().setRotationDegrees(10f)
                .setIntensityShift(0.1f).setIntensityScale(0.1f).setPhotometric(true)))
        .setLoss(LossConfig.newBuilder()
            .addTerms(LossTermConfig.newBuilder().setCrossEntropy(CrossEntropyLossConfig
                .newBuilder().addAllClassWeights(List.of(1f, 2.5f)).setLabelSmoothing(0.1f)))
            .addTerms(LossTermConfig.newBuilder().setHead("aux").setWeight(0.4f)
                .setFocal(FocalLossConfig.newBuilder().setForm(FocalLossConfig.Form.SIGMOID)))
            .addTerms(LossTermConfig.newBuilder().setDice(DiceLossConfig.newBuilder()
                .setMode(DiceLossConfig.Mode.MMSEG_V1).setIncludeBackground(false)))
            .setAuxLoss(LossConfig.AuxLoss.LOVASZ)
            .setOhem(OhemConfig.newBuilder().setMinKept(1000)))
        .setStrategy(StrategyConfig.newBuilder().setMetaDrop(MetaDropConfig.newBuilder()
            .setAlpha(1f).setMetaUpdate(MetaDropConfig.MetaUpdate.SGD).setMetaLr(2e-3f)
            .setPrism(PrismConfig.newBuilder().setTemperature(2f)
                .setProtoForm(PrismConfig.ProtoForm.L2_CLASSIFIER))))
        .setOptimizer(OptimizerConfig.newBuilder()
            .setAdamw(AdamConfig.newBuilder().setAmsgrad(true).setEpsilon(1e-7f))
            .setLr(6e-5f).setWeightDecay(0.01f).setClipGradNorm(0.01f)
            .addParameterGroups(ParameterGroupConfig.newBuilder().setNamePrefix("backbone.")
                .setLrMult(0.1f).setDecayMult(0f)))
        .setSchedule(ScheduleConfig.newBuilder()
            .setPoly(PolyScheduleConfig.newBuilder().setPower(1f).setMinLr(0f))
            .setTotalSteps(40000).setWarmupSteps(0))
        .setEval(EvalConfig.newBuilder().setMode(EvalConfig.Mode.SLIDE)
            .addAllWindow(List.of(80, 80, 80)).addAllStride(List.of(40, 40, 40))
            .setAllModalityMasks(true))
        .setEarlyStopping(EarlyStoppingConfig.newBuilder().setEnabled(true)
            .setRule(MetricRule.LESS).setMonitor("val/loss").setPatience(3).setMinDelta(0f))
        .setCheckpoint(CheckpointConfig.newBuilder().setKeepLast(0).setKeepBest(false))
        .setExport(ExportConfig.newBuilder().setModelName("seg").setDynamicSize(true)
            .addAllInputSize(List.of(512, 1024)).setWarmupRequests(0))
        .setRuntime(RuntimeConfig.newBuilder().setSeed(-7L).setDevice(RuntimeConfig.Device.GPU)
            .setDeterministic(true).setRunDir("runs/a b"))
        .build();
  }

  @Test
  void fullConfigIsReallyFull() {
    // Guards the round-trip test against a builder mistake that would leave parts unset.
    ExperimentConfig c = fullConfig();
    assertTrue(c.getModel().hasDeeplabv3Plus());
    assertTrue(c.getStrategy().getMetaDrop().hasPrism());
    assertTrue(c.getOptimizer().hasAdamw());
    assertEquals(3, c.getLoss().getTermsCount());
    assertTrue(c.getLoss().hasOhem());
  }
}
