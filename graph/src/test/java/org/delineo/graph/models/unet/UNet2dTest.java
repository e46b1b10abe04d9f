package org.delineo.graph.models.unet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.Tensors;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

class UNet2dTest {
  private static final int[] TINY = {4, 8, 16, 32, 64};
  private static final int BATCH_NORMS = 2 * (5 + 4); // two per ConvBlock, 5 encoder + 4 decoder

  @Test
  void tinyTrainGraphHasLogitsAtInputSizeGradientsForEveryVariableAndBnUpdates() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.TRAIN, 7);
      Ops tf = ctx.tf();
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(2, 32, 32, 1)));
      UNet2d unet = UNet2d.builder(3).channels(TINY).build();
      ModelOutputs out = unet.apply(ctx, ModelInputs.of(x));

      assertEquals(Shape.of(2, 32, 32, 3), out.logits().shape(), "static logits shape");
      for (int i = 0; i < 5; i++) {
        long size = 32 >> i;
        assertEquals(Shape.of(2, size, size, TINY[i]), out.features().get("encoder." + i).shape(),
            "encoder." + i);
      }
      assertEquals(Shape.of(2, 32, 32, 4), out.features().get("decoder").shape(), "decoder map");
      assertEquals(2 * BATCH_NORMS, ctx.updateOps().size(), "TRAIN: two updates per batch norm");

      List<ModelVariable<TFloat32>> trainable = ctx.variables().trainable();
      Operand<TFloat32> loss = tf.math.mean(tf.math.square(out.logits()), tf.constant(new int[] {0, 1, 2, 3}));
      Output<?>[] wrt = trainable.stream().map(v -> v.value().asOutput()).toArray(Output<?>[]::new);
      Output<?>[] grads = g.addGradients(loss.asOutput(), wrt);
      s.initialize();
      float[] image = new float[2 * 32 * 32];
      Random r = new Random(3);
      for (int i = 0; i < image.length; i++) {
        image[i] = (float) r.nextGaussian();
      }
      try (TFloat32 in = Tensors.floats(Shape.of(2, 32, 32, 1), image)) {
        Session.Runner runner = s.runner().feed(x, in).fetch(out.logits());
        for (int i = 0; i < grads.length; i++) {
          assertFalse(grads[i] == null || grads[i].isClosed(),
              "no gradient reaches " + trainable.get(i).name());
          runner.fetch(grads[i]);
        }
        try (Result res = runner.run()) {
          assertEquals(2 * 32 * 32 * 3, Tensors.toFloats(res.get(0)).length);
          for (int i = 0; i < grads.length; i++) {
            float[] gv = Tensors.toFloats(res.get(i + 1));
            double norm = 0;
            for (float v : gv) {
              assertTrue(Float.isFinite(v), "finite gradient of " + trainable.get(i).name());
              norm += v * v;
            }
            assertTrue(norm > 0, "non-zero gradient of " + trainable.get(i).name());
          }
        }
      }
    }
  }

  @Test
  void evalRecordsNoUpdatesAndSecondApplySharesVariables() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 7);
      Operand<TFloat32> x =
          ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(2, 32, 32, 1)));
      UNet2d unet = UNet2d.builder(3).channels(TINY).build();
      unet.apply(ctx, ModelInputs.of(x));
      int count = ctx.variables().all().size();
      unet.apply(ctx, ModelInputs.of(x));
      assertTrue(ctx.updateOps().isEmpty(), "EVAL records no update ops");
      assertEquals(count, ctx.variables().all().size(), "second apply reuses every variable");
    }
  }

  @Test
  void variablesCarryPyTorchStateDictNames() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 7);
      Operand<TFloat32> x =
          ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, 32, 32, 2)));
      UNet2d.builder(3).channels(TINY).build().apply(ctx, ModelInputs.of(x));
      List<String> names =
          ctx.variables().all().stream().map(ModelVariable::name).collect(Collectors.toList());
      for (String expected : List.of(
          "encoder.in_conv.conv_conv.0.weight", "encoder.in_conv.conv_conv.0.bias",
          "encoder.in_conv.conv_conv.1.running_mean", "encoder.in_conv.conv_conv.5.weight",
          "encoder.down4.maxpool_conv.1.conv_conv.4.weight", "decoder.up1.conv1x1.weight",
          "decoder.up4.conv.conv_conv.5.running_var", "decoder.out_conv.bias")) {
        assertTrue(names.contains(expected), "missing variable " + expected);
      }
      assertEquals(Shape.of(3, 3, 2, 4),
          ctx.variables().find("encoder.in_conv.conv_conv.0.weight").orElseThrow().shape(),
          "HWIO kernel, 2 input channels");
      assertEquals(Shape.of(1, 1, 64, 32),
          ctx.variables().find("decoder.up1.conv1x1.weight").orElseThrow().shape(),
          "1x1 conv from the deepest level to the skip's channels");
    }
  }

  @Test
  void unknownSpatialSizeIsResolvedAtRunTime() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      GraphContext ctx = GraphContext.create(g, Mode.PREDICT, 7);
      Operand<TFloat32> x =
          ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, 1)));
      for (UpsampleMode mode : UpsampleMode.values()) {
        Operand<TFloat32> logits = UNet2d.builder(2).channels(TINY).upsample(mode)
            .prefix(mode.name().toLowerCase()).build().apply(ctx, ModelInputs.of(x)).logits();
        s.initialize();
        try (TFloat32 in = Tensors.floats(Shape.of(1, 16, 48, 1), new float[16 * 48]);
            Result r = s.runner().feed(x, in).fetch(logits).run()) {
          assertArrayEquals(new long[] {1, 16, 48, 2}, r.get(0).shape().asArray(), mode + " logits");
        }
      }
    }
  }

  @Test
  void rejectsSizesNotDivisibleBy16AndBadSettings() {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 7);
      Operand<TFloat32> x =
          ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(2, 40, 32, 1)));
      ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
          () -> UNet2d.builder(3).build().apply(ctx, ModelInputs.of(x)));
      assertTrue(e.getMessage().contains("divisible by 16"), e.getMessage());
    }
    assertThrows(DelineoException.class, () -> UNet2d.builder(3).encoderDropout(0.1f).build());
    assertThrows(DelineoException.class, () -> UNet2d.builder(0).build());
  }

  // ---- parameter count, computed by hand from the architecture (PyTorch numel per tensor) ----

  private static long conv(int k, long in, long out) {
    return k * k * in * out + out; // weight + bias
  }

  private static long bn(long c) {
    return 2 * c; // weight + bias (running statistics are buffers, not parameters)
  }

  private static long convBlock(long in, long out) {
    return conv(3, in, out) + bn(out) + conv(3, out, out) + bn(out);
  }

  /** UpBlock(in1 → in2): conv1x1 or ConvTranspose2d(k=2), then ConvBlock(2·in2 → in2). */
  private static long upBlock(long in1, long in2, boolean bilinear) {
    long up = bilinear ? conv(1, in1, in2) : conv(2, in1, in2); // ConvTranspose weight in1·in2·2·2
    return up + convBlock(2 * in2, in2);
  }

  private static long handCount(int inChannels, int classes, boolean bilinear) {
    long encoder = convBlock(inChannels, 16) + convBlock(16, 32) + convBlock(32, 64)
        + convBlock(64, 128) + convBlock(128, 256);
    long decoder = upBlock(256, 128, bilinear) + upBlock(128, 64, bilinear)
        + upBlock(64, 32, bilinear) + upBlock(32, 16, bilinear) + conv(3, 16, classes);
    return encoder + decoder;
  }

  private static long builtCount(UpsampleMode mode) {
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 7);
      Operand<TFloat32> x =
          ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 256, 256, 1)));
      UNet2d.builder(4).upsample(mode).build().apply(ctx, ModelInputs.of(x));
      return ctx.variables().trainableParameterCount();
    }
  }

  @Test
  void fullSizeParameterCountMatchesPyTorchUNet() {
    long hand = handCount(1, 4, true);
    // Encoder 1,180,464 + decoder 633,300, summed on paper from the formulas above.
    assertEquals(1_813_764L, hand, "hand formula");
    assertTrue(Math.abs(hand - 1.81e6) < 0.005e6, "SemSim Table I lists 1.81 M");
    assertEquals(hand, builtCount(UpsampleMode.BILINEAR), "UNet2d (bilinear) trainable parameters");

    long transposed = handCount(1, 4, false);
    assertEquals(1_944_324L, transposed, "hand formula, ConvTranspose2d variant");
    assertEquals(transposed, builtCount(UpsampleMode.TRANSPOSED),
        "UNet2d (transposed) trainable parameters");
    assertNotNull(UNet2d.builder(4).build().name());
  }
}
