package org.delineo.training.eval;

import org.delineo.training.data.pipeline.InputNormalization;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Mode;
import org.delineo.graph.Tensors;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.models.unet.UNet2d;
import org.delineo.proto.DataConfig;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Inputs whose size is not a multiple of the UNet's stride (16) are zero-padded and the logits
 * cropped back: equal to running the model on an input padded in Java and cropping by hand.
 */
class InferenceGraphTest {

  @Test
  void padsToTheStrideAndCropsBack() {
    int h = 20;
    int w = 28;
    int k = 3;
    float[] image = new float[h * w];
    java.util.Random r = new java.util.Random(4);
    for (int i = 0; i < image.length; i++) {
      image[i] = (float) r.nextGaussian();
    }
    float[] padded = new float[32 * 32];
    for (int y = 0; y < h; y++) {
      System.arraycopy(image, y * w, padded, y * 32, w);
    }
    try (Graph g = new Graph()) {
      GraphContext ctx = GraphContext.create(g, Mode.EVAL, 9);
      UNet2d model = UNet2d.builder(k).channels(4, 8, 16, 32, 64).build();
      InferenceGraph inference = InferenceGraph.build(ctx, model,
          InputNormalization.of(DataConfig.getDefaultInstance(), 1), 2, 1, "image");
      assertArrayEquals(new long[] {-1, -1, -1, k}, inference.logits().shape().asArray());
      Placeholder<TFloat32> manual = ctx.tf().placeholder(TFloat32.class, Placeholder.shape(Shape.of(1, 32, 32, 1)));
      Operand<TFloat32> manualLogits = model.apply(ctx, ModelInputs.of(manual)).logits();
      try (Session s = new Session(g)) {
        s.initialize();
        float[] viaGraph;
        float[] viaJava;
        try (TFloat32 in = Tensors.floats(Shape.of(1, h, w, 1), image);
            Result res = s.runner().feed(inference.image(), in).fetch(inference.logits()).run()) {
          assertArrayEquals(new long[] {1, h, w, k}, res.get(0).shape().asArray());
          viaGraph = Tensors.toFloats(res.get(0));
        }
        try (TFloat32 in = Tensors.floats(Shape.of(1, 32, 32, 1), padded);
            Result res = s.runner().feed(manual, in).fetch(manualLogits).run()) {
          viaJava = Tensors.toFloats(res.get(0));
        }
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            for (int c = 0; c < k; c++) {
              assertEquals(viaJava[(y * 32 + x) * k + c], viaGraph[(y * w + x) * k + c], 1e-5,
                  "logit at " + y + "," + x + "," + c);
            }
          }
        }
      }
    }
  }
}
