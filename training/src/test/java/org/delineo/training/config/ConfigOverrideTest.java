package org.delineo.training.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.delineo.proto.BoundaryLossConfig;
import org.delineo.proto.DataConfig;
import org.delineo.proto.ExperimentConfig;
import org.delineo.proto.LossConfig;
import org.delineo.proto.LossTermConfig;
import org.delineo.proto.ModelConfig;
import org.delineo.proto.NormType;
import org.delineo.proto.OptimizerConfig;
import org.delineo.proto.RuntimeConfig;
import org.delineo.proto.SgdConfig;
import org.delineo.proto.StrategyConfig;
import org.junit.jupiter.api.Test;

class ConfigOverrideTest {
  // Floats are compared exactly: each expected value is the float literal the text denotes.

  private static ExperimentConfig set(ExperimentConfig config, String... overrides) {
    return ExperimentConfigLoader.applyOverrides(config, List.of(overrides));
  }

  private static ExperimentConfig set(String... overrides) {
    return set(ExperimentConfig.getDefaultInstance(), overrides);
  }

  private static String error(ExperimentConfig config, String override) {
    return assertThrows(ConfigException.class, () -> set(config, override)).getMessage();
  }

  private static String error(String override) {
    return error(ExperimentConfig.getDefaultInstance(), override);
  }

  @Test
  void nestedPathCreatesSubMessages() {
    ExperimentConfig c = set("model.deeplabv3plus.backbone.resnet_v1c.depth=101");
    assertTrue(c.getModel().hasDeeplabv3Plus());
    assertTrue(c.getModel().getDeeplabv3Plus().getBackbone().hasResnetV1C());
    assertEquals(101, c.getModel().getDeeplabv3Plus().getBackbone().getResnetV1C().getDepth());
  }

  @Test
  void settingAOneofMemberSelectsIt() {
    ExperimentConfig start = set("optimizer.sgd.momentum=0.95");
    assertEquals(OptimizerConfig.KindCase.SGD, start.getOptimizer().getKindCase());
    ExperimentConfig c = set(start, "optimizer.adamw.beta2=0.99");
    assertEquals(OptimizerConfig.KindCase.ADAMW, c.getOptimizer().getKindCase());
    assertEquals(0.99f, c.getOptimizer().getAdamw().getBeta2());
    assertEquals(StrategyConfig.KindCase.SUPERVISED,
        set("strategy.supervised={}").getStrategy().getKindCase());
  }

  @Test
  void scalarsOfEveryType() {
    ExperimentConfig c = set(
        "runtime.deterministic=true",
        "data.shuffle=FALSE",
        "data.batch_size=-3",
        "runtime.seed=9000000000",
        "optimizer.lr=1e-4",
        "optimizer.weight_decay=.5",
        "name=my run",
        "export.model_name=\"quoted, with comma\"",
        "model.norm=group",
        "runtime.device=Gpu");
    assertTrue(c.getRuntime().getDeterministic());
    assertFalse(c.getData().getShuffle());
    assertTrue(c.getData().hasShuffle(), "explicitly set to the default value");
    assertEquals(-3, c.getData().getBatchSize());
    assertEquals(9_000_000_000L, c.getRuntime().getSeed());
    assertEquals(1e-4f, c.getOptimizer().getLr());
    assertEquals(0.5f, c.getOptimizer().getWeightDecay());
    assertEquals("my run", c.getName());
    assertEquals("quoted, with comma", c.getExport().getModelName());
    assertEquals(NormType.GROUP, c.getModel().getNorm());
    assertEquals(RuntimeConfig.Device.GPU, c.getRuntime().getDevice());
  }

  @Test
  void repeatedScalarsTakeCommaListsAndReplaceTheList() {
    ExperimentConfig c = set("data.crop_size=1,2,3", "data.crop_size=512,512");
    assertEquals(List.of(512, 512), c.getData().getCropSizeList());
    c = set(c, "data.crop_size=[256, 128]");
    assertEquals(List.of(256, 128), c.getData().getCropSizeList());
    c = set(c, "data.mean=[1e-1, 2]", "data.crop_size=[]");
    assertEquals(List.of(0.1f, 2f), c.getData().getMeanList());
    assertEquals(List.of(), c.getData().getCropSizeList());
    c = set(c, "data.crop_size[0]=6", "data.crop_size[1]=7", "data.crop_size[1]=8");
    assertEquals(List.of(6, 8), c.getData().getCropSizeList());
    c = set(c, "model.init_checkpoint_modules=backbone, 'decode_head'");
    assertEquals(List.of("backbone", "decode_head"), c.getModel().getInitCheckpointModulesList());
  }

  @Test
  void indexedRepeatedMessagesAreEditedOrAppended() {
    ExperimentConfig c = set(
        "loss.terms[0].weight=1",
        "loss.terms[1].head=aux",
        "loss.terms[1].weight=0.3",
        "loss.terms[1].boundary.mode=morph",
        "loss.terms[0].weight=0.7");
    LossConfig loss = c.getLoss();
    assertEquals(2, loss.getTermsCount());
    assertEquals(0.7f, loss.getTerms(0).getWeight());
    assertEquals("aux", loss.getTerms(1).getHead());
    assertEquals(0.3f, loss.getTerms(1).getWeight());
    assertEquals(BoundaryLossConfig.Mode.MORPH, loss.getTerms(1).getBoundary().getMode());
    c = set(c, "loss.terms[2]={head: \"aux\" focal {gamma: 3}}", "loss.terms[0]={dice {}}");
    assertEquals(3, c.getLoss().getTermsCount());
    assertEquals(3f, c.getLoss().getTerms(2).getFocal().getGamma());
    assertEquals(LossTermConfig.TermCase.DICE, c.getLoss().getTerms(0).getTermCase());
    assertFalse(c.getLoss().getTerms(0).hasWeight(), "a message value replaces the element");
  }

  @Test
  void messageValuesInTextFormReplaceTheMessage() {
    ExperimentConfig start = set("optimizer.sgd.nesterov=true");
    ExperimentConfig c = set(start, "optimizer.sgd={momentum: 0.95}");
    assertEquals(SgdConfig.newBuilder().setMomentum(0.95f).build(), c.getOptimizer().getSgd());
    c = set("loss.terms=[{weight: 2}, {head: 'aux' lovasz {per_image: false}}]");
    assertEquals(2, c.getLoss().getTermsCount());
    assertEquals(2f, c.getLoss().getTerms(0).getWeight());
    assertFalse(c.getLoss().getTerms(1).getLovasz().getPerImage());
    c = set(c, "loss.terms=[]");
    assertEquals(0, c.getLoss().getTermsCount());
    c = set("model={num_classes: 4 prism_rfnet {basic_dims: 16}}");
    assertEquals(ModelConfig.FamilyCase.PRISM_RFNET, c.getModel().getFamilyCase());
    assertEquals(16, c.getModel().getPrismRfnet().getBasicDims());
  }

  @Test
  void overridesApplyInOrder() {
    ExperimentConfig c = set("data.layout=ACDC", "data.layout=brats");
    assertEquals(DataConfig.Layout.BRATS, c.getData().getLayout());
  }

  @Test
  void unknownFieldNamesThePathAndListsValidNames() {
    assertEquals("override 'optimizer.sgd.momentun=0.9': unknown field "
        + "'optimizer.sgd.momentun'; valid fields of SgdConfig: momentum, nesterov",
        error("optimizer.sgd.momentun=0.9"));
    assertEquals("override 'optimiser.lr=1': unknown field 'optimiser'; valid fields of "
        + "ExperimentConfig: name, description, model, data, loss, strategy, optimizer, "
        + "schedule, eval, early_stopping, checkpoint, export, runtime",
        error("optimiser.lr=1"));
    assertEquals("override 'loss.terms[0].wieght=1': unknown field 'loss.terms[0].wieght'; "
        + "valid fields of LossTermConfig: head, weight, cross_entropy, focal, lovasz, boundary, "
        + "dice, boundary_focal, weight_schedule", error("loss.terms[0].wieght=1"));
    String inMessage = error("optimizer.sgd={momentm: 0.9}");
    assertTrue(inMessage.startsWith("override 'optimizer.sgd={momentm: 0.9}': unknown field "
        + "'optimizer.sgd.momentm'; valid fields of SgdConfig: momentum, nesterov"), inMessage);
  }

  @Test
  void badValuesNameTheFieldTheExpectedTypeAndWhatWasFound() {
    assertEquals("override 'optimizer.lr=abc': field 'optimizer.lr': expected a float, "
        + "found \"abc\"", error("optimizer.lr=abc"));
    assertEquals("override 'data.batch_size=2.5': field 'data.batch_size': expected an integer, "
        + "found \"2.5\"", error("data.batch_size=2.5"));
    assertEquals("override 'runtime.deterministic=yes': field 'runtime.deterministic': "
        + "expected true or false, found \"yes\"", error("runtime.deterministic=yes"));
    assertEquals("override 'model.norm=layer': field 'model.norm': expected one of BATCH, "
        + "SYNC_BATCH, GROUP, INSTANCE, found \"layer\"", error("model.norm=layer"));
    assertEquals("override 'data.crop_size=512,x': field 'data.crop_size[1]': expected an "
        + "integer, found \"x\"", error("data.crop_size=512,x"));
    assertEquals("override 'optimizer.lr=1.5d': field 'optimizer.lr': expected a float, "
        + "found \"1.5d\"", error("optimizer.lr=1.5d"));
    String message = error("optimizer.sgd=0.9");
    assertTrue(message.startsWith("override 'optimizer.sgd=0.9': field 'optimizer.sgd': "
        + "expected a SgdConfig message in braces"), message);
    message = error("optimizer.sgd={momentum: fast}");
    assertEquals("override 'optimizer.sgd={momentum: fast}': field 'optimizer.sgd.momentum': "
        + "expected a float, found \"fast\"", message);
  }

  @Test
  void malformedOverridesSayTheExpectedForm() {
    assertEquals("override 'optimizer.lr': expected the form field.path=value, e.g. "
        + "optimizer.lr=0.01, found no '='", error("optimizer.lr"));
    assertTrue(error("optimizer..lr=1").contains("malformed field path 'optimizer..lr'"));
    assertTrue(error("=1").contains("malformed field path ''"));
  }

  @Test
  void structuralMistakesAreExplained() {
    assertEquals("override 'loss.terms.weight=1': field 'loss.terms' is repeated; give an "
        + "index, e.g. loss.terms[0].weight", error("loss.terms.weight=1"));
    assertEquals("override 'loss.terms[2].weight=1': index 2 out of range for 'loss.terms': "
        + "it is empty; index 0 appends", error("loss.terms[2].weight=1"));
    ExperimentConfig twoTerms = set("loss.terms[0].weight=1", "loss.terms[1].weight=1");
    assertEquals("override 'loss.terms[3]={}': index 3 out of range for 'loss.terms': "
        + "valid indices are 0..1, and 2 appends", error(twoTerms, "loss.terms[3]={}"));
    assertEquals("override 'optimizer.lr.value=1': field 'optimizer.lr' expects a float; it "
        + "has no field 'value'", error("optimizer.lr.value=1"));
    assertEquals("override 'optimizer[0].lr=1': field 'optimizer' is not repeated; remove the "
        + "index [0]", error("optimizer[0].lr=1"));
  }

  @Test
  void parseExposesPathAndValue() {
    ConfigOverride override = ConfigOverride.parse(" loss.terms[1].weight = 0.3 ");
    assertEquals("loss.terms[1].weight", override.path());
    assertEquals("0.3", override.value());
  }
}
