package org.delineo.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.Tensors;
import org.delineo.graph.layers.Conv2d;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.proto.serving.PredictionLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Multi-modal export: the modality_mask input and the serving_all_modalities signature. */
class ModalityMaskExportTest {
  /** Tolerance between two runs of the same graph on inputs that must give the same logits. */
  private static final double TOL = 1e-6;
  private static final int M = 2;
  private static final Shape INPUT = Shape.of(1, 3, 3, M);

  @TempDir Path tmp;

  /** Zeroes the channels of missing modalities, then a 1x1 convolution to 3 classes. */
  private static final class MaskedModel implements SegmentationModel {
    @Override
    public String name() {
      return "masked";
    }

    @Override
    public int numClasses() {
      return 3;
    }

    @Override
    public boolean takesModalityMask() {
      return true;
    }

    @Override
    public ModelOutputs apply(GraphContext ctx, ModelInputs inputs) {
      Ops tf = ctx.tf();
      Operand<TFloat32> x = inputs.image();
      if (inputs.modalityMask() != null) {
        Operand<TFloat32> keep = tf.reshape(tf.dtypes.cast(inputs.modalityMask(), TFloat32.class),
            tf.constant(new int[] {-1, 1, 1, M}));
        x = tf.math.mul(x, keep);
      }
      return ModelOutputs.of(Conv2d.builder("head", 3).kernel(1).build().apply(ctx, x));
    }
  }

  /** Image placeholder and the optional mask, as the inference graph builds them. */
  private static PredictGraph build(GraphContext ctx) {
    Ops tf = ctx.tf();
    Placeholder<TFloat32> image = tf.withName("image")
        .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 3, 3, M)));
    Operand<TInt32> batch = tf.slice(tf.shape(image), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
    Operand<TBool> all = tf.fill(tf.concat(List.of(batch, tf.constant(new int[] {M})), tf.constant(0)),
        tf.constant(true));
    Operand<TBool> mask = tf.withName("modality_mask").placeholderWithDefault(all, Shape.of(-1, M));
    Operand<TFloat32> logits = new MaskedModel().apply(ctx, new ModelInputs(image, mask)).logits();
    return new PredictGraph(image, logits).withModalityMask(mask);
  }

  private String checkpoint() throws IOException {
    String prefix = Files.createDirectories(tmp.resolve("ckpt")).resolve("model").toString();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      build(GraphContext.create(g, Mode.TRAIN, 5));
      s.initialize();
      s.save(prefix);
    }
    return prefix;
  }

  private static float[] image() {
    float[] v = new float[(int) INPUT.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = 1f + 0.37f * i;
    }
    return v;
  }

  @Test
  void maskedModalityEqualsZeroedChannelAndAllModalitiesSignatureNeedsNoMask() throws IOException {
    Path dir = new SavedModelExporter(checkpoint())
        .withWarmup(List.of(WarmupInput.synthetic(new long[] {3, 3, M}, 1)), 1)
        .export(tmp.resolve("exports"), "mm", null, ModalityMaskExportTest::build);
    float[] zeroed = image();
    for (int i = 1; i < zeroed.length; i += M) {
      zeroed[i] = 0f; // second modality missing
    }
    try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), "serve")) {
      Map<String, SignatureDef> sigs = bundle.metaGraphDef().getSignatureDefMap();
      SignatureDef def = sigs.get("serving_default");
      assertEquals(DataType.DT_BOOL, def.getInputsOrThrow("modality_mask").getDtype());
      assertEquals(List.of(-1L, (long) M), def.getInputsOrThrow("modality_mask").getTensorShape().getDimList()
          .stream().map(d -> d.getSize()).toList());
      assertEquals(List.of("image"), List.copyOf(sigs.get("serving_all_modalities").getInputsMap().keySet()));
      assertTrue(sigs.get("predict_logits").getInputsMap().containsKey("modality_mask"));

      float[] masked;
      float[] onZeroed;
      float[] allPresent;
      try (TFloat32 in = Tensors.floats(INPUT, image());
          TBool mask = TBool.tensorOf(NdArrays.ofBooleans(Shape.of(1, M)).setBoolean(true, 0, 0));
          Result r = bundle.function("serving_default").call(Map.of("image", in, "modality_mask", mask))) {
        masked = Tensors.toFloats(r.get("probabilities").orElseThrow());
      }
      try (TFloat32 in = Tensors.floats(INPUT, zeroed);
          Result r = bundle.function("serving_all_modalities").call(Map.of("image", in))) {
        onZeroed = Tensors.toFloats(r.get("probabilities").orElseThrow());
      }
      try (TFloat32 in = Tensors.floats(INPUT, image());
          Result r = bundle.function("serving_all_modalities").call(Map.of("image", in))) {
        allPresent = Tensors.toFloats(r.get("probabilities").orElseThrow());
      }
      for (int i = 0; i < masked.length; i++) {
        assertEquals(onZeroed[i], masked[i], TOL, "probability " + i + " (tolerance " + TOL + ")");
      }
      assertFalse(Arrays.equals(masked, allPresent), "the mask changes the output");
      try (Predictor predictor = Predictor.load(dir)) {
        assertArrayEquals(allPresent, predictor.predict(image(), new int[] {3, 3, M}).probabilities(), 1e-6f,
            "the in-JVM predictor calls serving_all_modalities");
      }
    }
    // Warm-up requests carry only the image, so they must call the signature without the mask.
    byte[] record = Files.readAllBytes(dir.resolve("assets.extra/tf_serving_warmup_requests"));
    int length = (int) ByteBuffer.wrap(record, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    PredictionLog log = PredictionLog.parseFrom(Arrays.copyOfRange(record, 12, 12 + length));
    assertEquals("serving_all_modalities", log.getPredictLog().getRequest().getModelSpec().getSignatureName());
  }
}
