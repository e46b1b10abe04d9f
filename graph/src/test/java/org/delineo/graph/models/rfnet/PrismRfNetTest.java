package org.delineo.graph.models.rfnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.Tensors;
import org.delineo.graph.VariableKind;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/** Tiny-width (b = 2, 16³) checks of {@link PrismRfNet}: shapes, names, masking, batching, training. */
class PrismRfNetTest {
  private static final int N = 2;
  private static final int S = 16;
  private static final int M = 4;
  private static final int K = 4;
  private static final Shape IMAGE = Shape.of(N, S, S, S, M);

  private static PrismRfNet tiny() {
    return PrismRfNet.builder(K).basicDims(2).build();
  }

  private static float[] gaussian(long seed, int n) {
    Random r = new Random(seed);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) r.nextGaussian();
    }
    return out;
  }

  private static TBool bools(Shape shape, boolean... values) {
    return TBool.tensorOf(shape, DataBuffers.of(values, true, false));
  }

  /** logits, PRM logits (finest first), de_x1..de_x4, then (optionally) aux logits by key. */
  private static List<Operand<TFloat32>> tensorsOf(ModelOutputs o, boolean withAux) {
    List<Operand<TFloat32>> out = new ArrayList<>();
    out.add(o.logits());
    out.addAll(o.deepSupervision());
    for (int l = 1; l <= 4; l++) {
      out.add(o.features().get("de_x" + l));
    }
    if (withAux) {
      out.addAll(new TreeMap<>(o.auxLogits()).values());
    }
    return out;
  }

  private static List<float[]> run(
      Session s, Operand<TFloat32> x, TFloat32 image, Operand<TBool> mask, TBool maskValue,
      List<Operand<TFloat32>> fetches) {
    Session.Runner runner = s.runner().feed(x, image);
    if (mask != null) {
      runner.feed(mask, maskValue);
    }
    fetches.forEach(runner::fetch);
    List<float[]> out = new ArrayList<>();
    try (Result r = runner.run()) {
      for (int i = 0; i < fetches.size(); i++) {
        out.add(Tensors.toFloats(r.get(i)));
      }
    }
    return out;
  }

  private static double maxAbsDiff(float[] a, float[] b) {
    assertEquals(a.length, b.length, "lengths");
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  @Test
  void outputsHaveTheDocumentedShapesAndVariablesThePyTorchNames() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Operand<TFloat32> x = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(IMAGE));
      PrismRfNet net = tiny();
      ModelOutputs out = net.apply(ctx, ModelInputs.of(x));
      assertEquals("prism_rfnet", net.name());
      assertEquals(8, net.sizeDivisor());
      assertEquals(Shape.of(N, S, S, S, K), out.logits().shape(), "fused logits");
      for (int l = 0; l < 4; l++) {
        long side = S >> l;
        assertEquals(Shape.of(N, side, side, side, K), out.deepSupervision().get(l).shape(),
            "PRM " + (l + 1) + " at native resolution");
      }
      assertEquals(Shape.of(N, S, S, S, 2), out.features().get("de_x1").shape(), "de_x1");
      assertEquals(Shape.of(N, S, S, S, 2), out.features().get("de_x2").shape(), "de_x2");
      assertEquals(Shape.of(N, 8, 8, 8, 4), out.features().get("de_x3").shape(), "de_x3");
      assertEquals(Shape.of(N, 4, 4, 4, 8), out.features().get("de_x4").shape(), "de_x4");
      assertEquals(List.of("sep_flair", "sep_t1", "sep_t1ce", "sep_t2"),
          new ArrayList<>(new TreeMap<>(out.auxLogits()).keySet()), "uni-modal heads in TRAIN");
      assertEquals(Shape.of(N, S, S, S, K), out.auxLogits().get("sep_t2").shape(), "sep logits");

      Map<String, Shape> expected = Map.of(
          "flair_encoder.e1_c1.conv.weight", Shape.of(3, 3, 3, 1, 2),
          "t2_encoder.e4_c3.conv.bias", Shape.of(16),
          "decoder_sep.d3_c1.conv.weight", Shape.of(3, 3, 3, 16, 8),
          "decoder_sep.seg_layer.weight", Shape.of(1, 1, 1, 2, K),
          "decoder_fuse.RFM4.modal_fusion.3.weight_layer.0.weight", Shape.of(1, 1, 1, 4 * 16 + 1, 128),
          "decoder_fuse.RFM1.region_fusion.fusion_layer.2.conv.weight", Shape.of(1, 1, 1, 2, 1),
          "decoder_fuse.RFM2.short_cut.0.conv.weight", Shape.of(1, 1, 1, 16, 4),
          "decoder_fuse.prm_generator4.embedding_layer.0.conv.weight", Shape.of(1, 1, 1, 64, 4),
          "decoder_fuse.prm_generator3.prm_layer.0.conv.weight", Shape.of(1, 1, 1, 16, 16),
          "decoder_fuse.prm_generator1.prm_layer.1.bias", Shape.of(K));
      expected.forEach((name, shape) -> assertEquals(shape,
          ctx.variables().find(name).orElseThrow(() -> new AssertionError("missing " + name)).shape(),
          name));

      int count = ctx.variables().all().size();
      GraphContext eval = ctx.withMode(Mode.EVAL);
      ModelOutputs evalOut = net.apply(eval, ModelInputs.of(x));
      assertTrue(evalOut.auxLogits().isEmpty(), "no uni-modal heads outside TRAIN");
      assertEquals(count, ctx.variables().all().size(), "a second apply shares every variable");
    }
  }

  @Test
  void rejectsWrongChannelsSizesAndMasks() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 1);
      Ops tf = ctx.tf();
      PrismRfNet net = tiny();
      Operand<TFloat32> three =
          tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(N, S, S, S, 3)));
      ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
          () -> net.apply(ctx, ModelInputs.of(three)));
      assertTrue(e.getMessage().contains("[N, D, H, W, 4]"), e.getMessage());
      Operand<TFloat32> odd =
          tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(N, 12, S, S, M)));
      e = assertThrows(ShapeMismatchException.class, () -> net.apply(ctx, ModelInputs.of(odd)));
      assertTrue(e.getMessage().contains("divisible by 8"), e.getMessage());
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(IMAGE));
      Operand<TBool> mask3 = tf.placeholder(TBool.class, Placeholder.shape(Shape.of(N, 3)));
      e = assertThrows(ShapeMismatchException.class,
          () -> net.apply(ctx, new ModelInputs(x, mask3)));
      assertTrue(e.getMessage().contains("[N, 4]"), e.getMessage());
    }
  }

  /**
   * Student m of the batched application is, by construction, the fusion decoder with e_m on
   * features already zeroed by the sample mask, i.e. a separate application with mask sample ∧ e_m.
   * Sample 0 has all modalities, sample 1 lacks t1ce and t2 (so two of its students see nothing).
   */
  @Test
  void batchedTeacherAndStudentsEqualFiveSeparateApplications() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 11);
      Ops tf = ctx.tf();
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(IMAGE));
      Operand<TBool> mask = tf.placeholder(TBool.class, Placeholder.shape(Shape.of(N, M)));
      PrismRfNet net = tiny();
      DistillationOutputs batched = net.applyWithStudents(ctx, x, mask);
      assertEquals(Shape.of(5 * N, S, S, S, K), batched.batched().logits().shape(), "5N rows");

      List<Operand<TFloat32>> fromBatch = new ArrayList<>(tensorsOf(batched.teacher(), true));
      List<Operand<TFloat32>> separate =
          new ArrayList<>(tensorsOf(net.apply(ctx, new ModelInputs(x, mask)), true));
      for (int m = 0; m < M; m++) {
        boolean[][] oneHot = new boolean[N][M];
        for (boolean[] row : oneHot) {
          row[m] = true;
        }
        Operand<TBool> studentMask = tf.math.logicalAnd(mask, tf.constant(oneHot));
        fromBatch.addAll(tensorsOf(batched.students().get(m), false));
        separate.addAll(tensorsOf(net.apply(ctx, new ModelInputs(x, studentMask)), false));
      }
      assertEquals(separate.size(), fromBatch.size());
      s.initialize();
      try (TFloat32 image = Tensors.floats(IMAGE, gaussian(5, (int) IMAGE.size()));
          TBool maskValue = bools(Shape.of(N, M), true, true, true, true, true, false, true, false)) {
        List<float[]> a = run(s, x, image, mask, maskValue, fromBatch);
        List<float[]> b = run(s, x, image, mask, maskValue, separate);
        for (int i = 0; i < a.size(); i++) {
          double diff = maxAbsDiff(a.get(i), b.get(i));
          assertTrue(diff <= 1e-5, "fetch " + i + " of batched vs separate: max |diff| " + diff
              + " > 1e-5 (tolerance)");
        }
      }
    }
  }

  @Test
  void missingModalityValuesDoNotReachAnyOutput() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 3);
      Ops tf = ctx.tf();
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(IMAGE));
      Operand<TBool> mask = tf.placeholder(TBool.class, Placeholder.shape(Shape.of(N, M)));
      List<Operand<TFloat32>> fetches =
          tensorsOf(tiny().apply(ctx, new ModelInputs(x, mask)), true);
      s.initialize();
      float[] a = gaussian(1, (int) IMAGE.size());
      float[] b = a.clone();
      float[] other = gaussian(2, a.length);
      for (int i = 0; i < b.length; i++) {
        if (i % M != 0) { // every channel but flair gets different values
          b[i] = 3 * other[i];
        }
      }
      boolean[] flairOnly = {true, false, false, false, true, false, false, false};
      boolean[] all = {true, true, true, true, true, true, true, true};
      try (TFloat32 imageA = Tensors.floats(IMAGE, a);
          TFloat32 imageB = Tensors.floats(IMAGE, b);
          TBool flair = bools(Shape.of(N, M), flairOnly);
          TBool present = bools(Shape.of(N, M), all)) {
        List<float[]> outA = run(s, x, imageA, mask, flair, fetches);
        List<float[]> outB = run(s, x, imageB, mask, flair, fetches);
        for (int i = 0; i < outA.size(); i++) {
          double diff = maxAbsDiff(outA.get(i), outB.get(i));
          assertTrue(diff <= 1e-6, "fetch " + i + " depends on missing channels: " + diff
              + " (tolerance 1e-6; the zeroed path should be bitwise equal)");
        }
        // Control: with every modality present the same change does move the fused logits.
        double moved = maxAbsDiff(run(s, x, imageA, mask, present, fetches).get(0),
            run(s, x, imageB, mask, present, fetches).get(0));
        assertTrue(moved > 1e-3, "control: logits move when the channels are present: " + moved);
      }
    }
  }

  @Test
  void gradientsReachEveryTrainableVariable() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 5);
      Ops tf = ctx.tf();
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(IMAGE));
      ModelOutputs out = tiny().apply(ctx, ModelInputs.of(x));
      Operand<TInt32> axes = tf.constant(new int[] {0, 1, 2, 3, 4});
      Operand<TFloat32> loss = tf.constant(0f);
      for (Operand<TFloat32> t : tensorsOf(out, true)) {
        loss = tf.math.add(loss, tf.math.mean(tf.math.square(t), axes));
      }
      List<ModelVariable<TFloat32>> vars = ctx.variables().trainable();
      Output<?>[] wrt = vars.stream().map(v -> v.value().asOutput()).toArray(Output<?>[]::new);
      Output<?>[] grads = g.addGradients(loss.asOutput(), wrt);
      s.initialize();
      try (TFloat32 image = Tensors.floats(IMAGE, gaussian(9, (int) IMAGE.size()))) {
        Session.Runner runner = s.runner().feed(x, image);
        for (int i = 0; i < grads.length; i++) {
          assertFalse(grads[i] == null || grads[i].isClosed(), "no gradient reaches "
              + vars.get(i).name());
          runner.fetch(grads[i]);
        }
        try (Result r = runner.run()) {
          for (int i = 0; i < grads.length; i++) {
            double norm = 0;
            for (float v : Tensors.toFloats(r.get(i))) {
              assertTrue(Float.isFinite(v), "finite gradient of " + vars.get(i).name());
              norm += v * v;
            }
            // Biases just before an instance norm get an exactly-zero gradient in theory (the
            // norm removes the mean), so only weights must have a non-zero one.
            if (vars.get(i).kind() == VariableKind.WEIGHT) {
              assertTrue(norm > 0, "non-zero gradient of " + vars.get(i).name());
            }
          }
        }
      }
    }
  }

  @Test
  void tinyNetworkTrainsAndTheLossFalls() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 21);
      Ops tf = ctx.tf();
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(IMAGE));
      Operand<TFloat32> logits = tiny().apply(ctx, ModelInputs.of(x)).logits();
      float[] image = gaussian(4, (int) IMAGE.size());
      // Labels from the flair intensity, quartile-like bins: learnable from the input.
      float[] oneHot = new float[N * S * S * S * K];
      for (int v = 0; v < N * S * S * S; v++) {
        float f = image[v * M];
        int c = f < -0.67f ? 0 : f < 0f ? 1 : f < 0.67f ? 2 : 3;
        oneHot[v * K + c] = 1f;
      }
      Operand<TFloat32> target = tf.constant(Shape.of(N, S, S, S, K), DataBuffers.of(oneHot));
      // Mean cross-entropy over voxels: −Σ_c y_c · log softmax(z)_c, on [voxels, K] rows: TF's
      // LogSoftmax gradient is wrong above rank 2 (it sums over axis 1), so flatten first.
      Operand<TInt64> rows = tf.constant(new long[] {-1, K});
      Operand<TFloat32> ce = tf.math.neg(tf.math.mean(
          tf.reduceSum(tf.math.mul(tf.reshape(target, rows), tf.nn.logSoftmax(tf.reshape(logits, rows))),
              tf.constant(1)),
          tf.constant(0)));
      // The loss reads only the fused logits; decoder_sep (built in TRAIN) is not on its path.
      List<ModelVariable<TFloat32>> vars = ctx.variables().trainable().stream()
          .filter(v -> !v.name().startsWith("decoder_sep.")).toList();
      Output<?>[] grads = g.addGradients(ce.asOutput(),
          vars.stream().map(v -> v.value().asOutput()).toArray(Output<?>[]::new));
      List<Op> updates = new ArrayList<>();
      // 0.2: with the true cross-entropy gradient, 0.05 lowered the loss only 6 % in 8 steps.
      Operand<TFloat32> lr = tf.constant(0.2f);
      // No write before every gradient (and the logged loss) exists: a variable updated early would
      // feed its new value into gradients still being computed. One Ops carries the single
      // dependency, since withControlDependencies replaces earlier dependencies rather than adding.
      List<Op> beforeWrites = new ArrayList<>();
      beforeWrites.add(ce);
      for (int i = 0; i < vars.size(); i++) {
        if (grads[i].isClosed()) {
          // The RFM reads the PRMs through a stop-gradient: the PRM heads learn only from PRM losses.
          assertTrue(vars.get(i).name().contains(".prm_generator"),
              "only PRM heads are cut off from the fused logits, found " + vars.get(i).name());
          continue;
        }
        beforeWrites.add(grads[i]);
      }
      Ops writes = tf.withControlDependencies(List.of(tf.withControlDependencies(beforeWrites).noOp()));
      for (int i = 0; i < vars.size(); i++) {
        if (grads[i].isClosed()) {
          continue;
        }
        @SuppressWarnings("unchecked")
        Operand<TFloat32> grad = (Operand<TFloat32>) grads[i];
        updates.add(writes.train.applyGradientDescent(vars.get(i).ref(), lr, grad));
      }
      s.initialize();
      float[] losses = new float[8];
      try (TFloat32 in = Tensors.floats(IMAGE, image)) {
        for (int step = 0; step < losses.length; step++) {
          Session.Runner runner = s.runner().feed(x, in).fetch(ce);
          updates.forEach(runner::addTarget);
          try (Result r = runner.run()) {
            losses[step] = Tensors.scalar(r, 0); // loss before this step's update
          }
        }
      }
      for (float l : losses) {
        assertTrue(Float.isFinite(l), "finite loss " + Arrays.toString(losses));
      }
      assertTrue(losses[losses.length - 1] < 0.9f * losses[0],
          "loss falls by at least 10 % over 8 SGD steps: " + Arrays.toString(losses));
    }
  }
}
