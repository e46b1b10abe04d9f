package org.delineo.training.wiring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.delineo.losses.HeadLosses;
import org.delineo.losses.WeightedTerm;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ExperimentConfigLoader;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * PROVE's composition: Total = CE_dec + 0.3·X_dec + 0.4·CE_aux + 0.3·X_aux, with X from aux_loss,
 * and scheduled aux weights. Uniform logits make every term a closed form: CE = ln K, and soft
 * Dice with p = 1/K per class c is 1 − (2n_c/K + s) / (n/K² + n_c + s).
 */
class LossBuilderTest {
  private static final int[][][] LABELS = {{{0, 1, 1}, {2, 1, 255}}}; // 5 valid pixels: n_0 = 1, n_1 = 3, n_2 = 1

  @Test
  void proveCompositionOnTwoHeads() {
    HeadLosses losses = builder("loss { aux_loss: DICE }").build(Set.of("decode", "aux"));
    List<String> names = losses.terms().stream().map(WeightedTerm::name).toList();
    assertEquals(List.of("decode.cross_entropy", "aux.cross_entropy", "decode.dice", "aux.dice"), names);
    double ce = Math.log(3);
    double total = ce + 0.3 * dice() + 0.4 * ce + 0.3 * dice();
    assertEquals(total, evaluate(losses, Set.of("decode", "aux"), -1), 1e-5);
  }

  @Test
  void linearAuxWeightSchedule() {
    HeadLosses losses = builder("loss { aux_terms { weight: 0.5 dice {} weight_schedule { kind: LINEAR"
        + " end_weight: 0.1 steps: 100 } } }").build();
    double ce = Math.log(3);
    assertEquals(ce + 0.5 * dice(), evaluate(losses, Set.of("decode"), 0), 1e-5);
    assertEquals(ce + 0.3 * dice(), evaluate(losses, Set.of("decode"), 50), 1e-5);
    assertEquals(ce + 0.1 * dice(), evaluate(losses, Set.of("decode"), 400), 1e-5);
  }

  @Test
  void explicitTermsReplaceTheDefaultAndRepeatedNamesStayDistinct() {
    HeadLosses losses = builder("loss { terms { cross_entropy {} } terms { weight: 2 cross_entropy {} } }").build();
    List<String> names = losses.terms().stream().map(WeightedTerm::name).toList();
    assertEquals(2, names.size());
    assertTrue(!names.get(0).equals(names.get(1)), names.toString());
    assertEquals(3 * Math.log(3), evaluate(losses, Set.of("decode"), -1), 1e-5);
  }

  /** Mean over the 3 classes of 1 − Dice for uniform predictions, smooth 1 (the config default). */
  private static double dice() {
    double n = 5;
    double s = 1;
    double sum = 0;
    for (double nc : new double[] {1, 3, 1}) {
      sum += 1 - (2 * nc / 3 + s) / (n / 9 + nc + s);
    }
    return sum / 3;
  }

  private static LossBuilder builder(String text) {
    ExperimentConfig c = ExperimentConfigLoader.parse(text, "test");
    return com.google.inject.Guice.createInjector(new ExperimentModule(c), new LossesModule())
        .getInstance(LossBuilder.class);
  }

  /** The total on uniform logits (K = 3) for every head; {@code step} < 0 means no step operand. */
  private static double evaluate(HeadLosses losses, Set<String> heads, long step) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> logits = tf.zeros(tf.constant(new int[] {1, 2, 3, 3}), TFloat32.class);
      Map<String, Operand<TFloat32>> byHead = new LinkedHashMap<>();
      heads.forEach(h -> byHead.put(h, logits));
      Placeholder<TInt64> t = tf.placeholder(TInt64.class);
      Operand<TFloat32> loss = losses.build(tf, byHead, tf.constant(LABELS), step < 0 ? null : t).get("loss");
      try (Session s = new Session(g); TInt64 v = TInt64.scalarOf(Math.max(step, 0));
          Result r = (step < 0 ? s.runner() : s.runner().feed(t, v)).fetch(loss).run()) {
        return ((TFloat32) r.get(0)).getFloat();
      }
    }
  }
}
