package org.delineo.training.optim;

import static org.delineo.training.optim.Fixtures.assertClose;
import static org.delineo.training.optim.Fixtures.fetch;
import static org.delineo.training.optim.Fixtures.variable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.VariableKind;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Op;
import org.tensorflow.types.TFloat32;

/**
 * Parameter groups with plain SGD (lr 0.1, wd 0.1), every variable starting at p0 = [0.5, 1] with
 * the constant gradient g = [1, −2]. Expected values by hand; tolerance 1e-6 absolute.
 */
class ParameterGroupOptimTest {
  private static final float[] P0 = {0.5f, 1f};
  private static final float[] G = {1f, -2f};
  private static final double TOL = 1e-6;

  @Test
  void defaultDecaySkipsNormsAndBiasesAndGroupsScaleTheRate() {
    List<ParameterGroup> groups = List.of(
        new ParameterGroup("backbone.", 0.1f, null),
        new ParameterGroup("backbone.conv.weight", 5f, null), // never used: first match wins
        new ParameterGroup("head\\.extra_norm\\..*", 1f, 1f)); // regex; decay forced on a NORM
    Map<String, float[]> after = stepOnce(new Sgd(new ConstantSchedule(0.1f), 0f, false, 0.1f, groups, null),
        Map.of("backbone.conv.weight", VariableKind.WEIGHT,
            "head.conv.weight", VariableKind.WEIGHT,
            "head.conv.bias", VariableKind.BIAS,
            "head.bn.weight", VariableKind.NORM,
            "head.extra_norm.weight", VariableKind.NORM));
    // decayed weight, lr 0.1: p0 − 0.1·(g + 0.1·p0) = [0.5 − 0.1·1.05, 1 − 0.1·(−1.9)] = [0.395, 1.19]
    assertClose(new double[] {0.395, 1.19}, after.get("head.conv.weight"), TOL, "head weight");
    // backbone weight, lr 0.01: [0.5 − 0.01·1.05, 1 + 0.01·1.9] = [0.4895, 1.019]
    assertClose(new double[] {0.4895, 1.019}, after.get("backbone.conv.weight"), TOL, "backbone weight");
    // bias and norm: no decay by default: p0 − 0.1·g = [0.4, 1.2]
    assertClose(new double[] {0.4, 1.2}, after.get("head.conv.bias"), TOL, "bias");
    assertClose(new double[] {0.4, 1.2}, after.get("head.bn.weight"), TOL, "norm");
    // the group's decay multiplier 1 overrides the NORM default
    assertClose(new double[] {0.395, 1.19}, after.get("head.extra_norm.weight"), TOL, "overridden norm");
    // the backbone moves 10× less than the same weight in the head
    for (int i = 0; i < 2; i++) {
      double backbone = after.get("backbone.conv.weight")[i] - P0[i];
      double head = after.get("head.conv.weight")[i] - P0[i];
      assertEquals(0.1, backbone / head, 1e-4, "step ratio backbone/head (tolerance 1e-4)");
    }
  }

  @Test
  void adamWDecayFollowsTheSameRules() {
    // One AdamW step: p·(1 − lr·wd) − lr·g/(|g| + eps) with lr 0.1, wd 0.5 on the weight only.
    Map<String, float[]> after = stepOnce(Adam.adamW(new ConstantSchedule(0.1f), 0.5f).build(),
        Map.of("head.conv.weight", VariableKind.WEIGHT, "head.conv.bias", VariableKind.BIAS));
    assertClose(new double[] {0.5 * 0.95 - 0.1, 1 * 0.95 + 0.1}, after.get("head.conv.weight"), TOL, "weight");
    assertClose(new double[] {0.5 - 0.1, 1 + 0.1}, after.get("head.conv.bias"), TOL, "bias");
  }

  @Test
  void matchesPrefixesAndWholeNameRegexes() {
    assertTrue(new ParameterGroup("backbone.", 1f, null).matches("backbone.layer1.0.conv1.weight"));
    assertFalse(new ParameterGroup("backbone.", 1f, null).matches("decode_head.conv.weight"));
    assertTrue(new ParameterGroup(".*\\.bias", 1f, 0f).matches("decode_head.conv.bias"));
    assertFalse(new ParameterGroup(".*\\.bias", 1f, 0f).matches("decode_head.conv.bias_gate.weight"));
    // not a valid regex: still usable as a prefix
    assertTrue(new ParameterGroup("x[", 1f, null).matches("x[0]"));
    assertThrows(DelineoException.class, () -> new ParameterGroup("", 1f, null));
    assertThrows(DelineoException.class, () -> new ParameterGroup("a.", -1f, null));
    assertThrows(DelineoException.class, () -> new ParameterGroup("a.", 1f, Float.NaN));
  }

  private static Map<String, float[]> stepOnce(Optimizer opt, Map<String, VariableKind> kinds) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Map<String, ModelVariable<TFloat32>> vars = new LinkedHashMap<>();
      List<Gradient> grads = new ArrayList<>();
      for (Map.Entry<String, VariableKind> e : kinds.entrySet()) {
        ModelVariable<TFloat32> v = variable(ctx, e.getKey(), e.getValue(), P0);
        vars.put(e.getKey(), v);
        grads.add(new Gradient(v, ctx.tf().constant(G)));
      }
      Op train = opt.applyGradients(ctx, grads);
      try (Session s = new Session(g)) {
        s.initialize();
        s.run(train);
        Map<String, float[]> out = new LinkedHashMap<>();
        vars.forEach((name, v) -> out.put(name, fetch(s, v.value())));
        return out;
      }
    }
  }
}
