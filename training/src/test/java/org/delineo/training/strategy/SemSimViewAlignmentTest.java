package org.delineo.training.strategy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.Tensors;
import org.delineo.proto.AugmentationConfig;
import org.delineo.proto.DataConfig;
import org.delineo.proto.StrongAugmentationConfig;
import org.delineo.training.data.Sample;
import org.delineo.training.data.pipeline.BatchLoader;
import org.delineo.training.data.pipeline.SemiSupervisedViews;
import org.delineo.training.data.pipeline.SemiSupervisedViewsFactory;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Pixel-for-pixel alignment of SemSim's views with the pseudo-labels the graph trains them on, through
 * the real pipeline: {@link SemiSupervisedViewsFactory} (weak geometry: flips, rot90, rotation,
 * nearest resize to a non-square size), {@link PackedViews} through {@link BatchLoader}s,
 * {@link SemSimBatches} (CutMix pasting of the strong images on the CPU) and
 * {@link SemSimStrategy#paste} (the CutMix mixing of the weak predictions in the graph).
 *
 * <p>Every source image encodes where each pixel comes from: channel 0 = 0.1 + 0.1·case + 0.004·row,
 * channel 1 = 0.1 + 0.01·column, channel 2 = 0.5 (so a pixel blended with the rotation's zero fill is
 * recognisable). These are affine in (row, column), so even a bilinearly rotated pixel decodes to the
 * exact (fractional) source position it samples. The graph predicts the pseudo-label of a strong-view
 * pixel from the weak view at that pixel (its own image's outside the box, the mix image's inside),
 * so feeding the weak views themselves through the graph's mixing in place of the predictions gives,
 * per pixel, the content the pseudo-label describes; the strong view must show that same content.
 */
class SemSimViewAlignmentTest {
  private static final int H0 = 20;
  private static final int W0 = 24;
  private static final int C = 3;
  private static final int H = 16;
  private static final int W = 28;
  private static final int B = 2;
  private static final int CASES = 6;
  private static final Map<String, Sample> SOURCES = sources();

  /** UniMatch's weak geometry split in its two branches, plus SemSim's flips, each forced on. */
  private enum Geometry {
    ROT90_FLIP(AugmentationConfig.newBuilder().setRot90Prob(1).setFlipProb(0.5f)),
    ROTATION(AugmentationConfig.newBuilder().setRotationDegrees(20).setRotationProb(1).setFlipProb(0.5f)),
    UNIMATCH(AugmentationConfig.newBuilder().setRot90Prob(0.5f).setRotationDegrees(20)
        .setRotationProb(0.5f).setFlipProb(0));

    final AugmentationConfig.Builder augmentation;

    Geometry(AugmentationConfig.Builder augmentation) {
      this.augmentation = augmentation;
    }
  }

  @Test
  void strongViewsShowThePixelsTheirPseudoLabelsDescribeWithAndWithoutCutMix() {
    for (Geometry g : Geometry.values()) {
      for (float cutmix : new float[] {0f, 1f}) {
        String what = g + " cutmix " + cutmix;
        StrongAugmentationConfig strong = StrongAugmentationConfig.newBuilder()
            .setColorJitterProb(0).setBlurProb(0).setCutmixProb(cutmix).build();
        int inside = 0;
        int outside = 0;
        try (SemSimBatches batches = batches(g, strong)) {
          for (int step = 0; step < 4; step++) {
            Map<String, FeedArray> f = batches.next().feeds();
            float[] weak = f.get(SemSimStrategy.U_WEAK).floats();
            float[] mixWeak = f.get(SemSimStrategy.U_MIX_WEAK).floats();
            String[][] views = {{SemSimStrategy.U_STRONG1, SemSimStrategy.CUTMIX_BOX1},
                {SemSimStrategy.U_STRONG2, SemSimStrategy.CUTMIX_BOX2}};
            for (String[] view : views) {
              float[] box = f.get(view[1]).floats();
              float[] target = graphTarget(box, mixWeak, weak);
              float[] fed = f.get(view[0]).floats();
              String at = what + ", " + view[0] + ", step " + step;
              // Same content at every pixel and channel, bit for bit.
              assertArrayEquals(target, fed, 0f, at);
              for (int n = 0; n < B; n++) {
                int own = caseOf(weak, n, at + " own weak");
                int mix = caseOf(mixWeak, n, at + " mix weak");
                for (int p = 0; p < H * W; p++) {
                  int i = n * H * W + p;
                  boolean inBox = box[i] == 1f;
                  if (inBox) {
                    inside++;
                  } else {
                    assertEquals(0f, box[i], at + " box value");
                    outside++;
                  }
                  double[] src = decode(fed, i);
                  if (src != null) {
                    assertEquals(inBox ? mix : own, (int) src[0], at + " source image of pixel " + p + " of " + n);
                  }
                }
              }
            }
          }
        }
        if (cutmix == 0f) {
          assertEquals(0, inside, what + ": no box without CutMix");
        } else {
          assertTrue(inside > 0 && outside > 0, what + ": inside " + inside + ", outside " + outside);
        }
      }
    }
  }

  @Test
  void nearestOnlyGeometryKeepsEveryWeakPixelAnExactSourcePixel() {
    StrongAugmentationConfig strong = StrongAugmentationConfig.newBuilder().setCutmixProb(0).build();
    try (SemSimBatches batches = batches(Geometry.ROT90_FLIP, strong)) {
      for (int step = 0; step < 3; step++) {
        Map<String, FeedArray> f = batches.next().feeds();
        for (String name : List.of(StepInputs.IMAGE, SemSimStrategy.U_WEAK, SemSimStrategy.U_MIX_WEAK)) {
          float[] v = f.get(name).floats();
          for (int i = 0; i < B * H * W; i++) {
            double[] src = decode(v, i);
            assertTrue(src != null, name + " pixel " + i + " is not a source pixel");
            assertEquals(Math.rint(src[1]), src[1], 1e-3, name + " row of pixel " + i);
            assertEquals(Math.rint(src[2]), src[2], 1e-3, name + " column of pixel " + i);
          }
        }
      }
    }
  }

  @Test
  void labeledLabelsAreTheClassesOfThePositionsTheirPixelsSample() {
    for (Geometry g : Geometry.values()) {
      StrongAugmentationConfig strong = StrongAugmentationConfig.newBuilder().setCutmixProb(0).build();
      int checked = 0;
      try (SemSimBatches batches = batches(g, strong)) {
        for (int step = 0; step < 4; step++) {
          Map<String, FeedArray> f = batches.next().feeds();
          float[] image = f.get(StepInputs.IMAGE).floats();
          int[] labels = f.get(StepInputs.LABELS).ints();
          for (int i = 0; i < B * H * W; i++) {
            double[] src = decode(image, i);
            if (src == null || tie(src[1]) || tie(src[2])) {
              continue; // blended with the fill, or equidistant from two source pixels
            }
            int r = (int) Math.floor(src[1] + 0.5);
            int c = (int) Math.floor(src[2] + 0.5);
            assertEquals(classAt(r, c), labels[i], g + " label of pixel " + i + " sampling (" + src[1]
                + ", " + src[2] + ")");
            checked++;
          }
        }
      }
      assertTrue(checked > B * H * W, g + ": " + checked + " pixels checked");
    }
  }

  @Test
  void jitteredStrongViewsAreOneIncreasingAffineMapOfTheirSourcePerImageAndBoxSide() {
    // Colour jitter on grey-level content (saturation and hue off, as they are no-ops on grey
    // images): brightness and contrast in any order are x -> a·x + b with a > 0, per source image.
    StrongAugmentationConfig strong = StrongAugmentationConfig.newBuilder().setColorJitterProb(1)
        .setSaturation(0).setHue(0).setBlurProb(0).setCutmixProb(1).build();
    int jittered = 0;
    try (SemSimBatches batches = batches(Geometry.ROT90_FLIP, strong)) {
      for (int step = 0; step < 3; step++) {
        Map<String, FeedArray> f = batches.next().feeds();
        float[] weak = f.get(SemSimStrategy.U_WEAK).floats();
        float[] mixWeak = f.get(SemSimStrategy.U_MIX_WEAK).floats();
        for (String[] view : new String[][] {{SemSimStrategy.U_STRONG1, SemSimStrategy.CUTMIX_BOX1},
            {SemSimStrategy.U_STRONG2, SemSimStrategy.CUTMIX_BOX2}}) {
          float[] box = f.get(view[1]).floats();
          float[] target = graphTarget(box, mixWeak, weak);
          float[] fed = f.get(view[0]).floats();
          for (int n = 0; n < B; n++) {
            for (boolean side : new boolean[] {true, false}) {
              List<double[]> pairs = new ArrayList<>();
              for (int p = 0; p < H * W; p++) {
                int i = n * H * W + p;
                if ((box[i] == 1f) != side) {
                  continue;
                }
                for (int ch = 0; ch < C; ch++) {
                  float s = fed[i * C + ch];
                  if (s > 0f && s < 1f) { // clamped values carry no position
                    pairs.add(new double[] {target[i * C + ch], s});
                  }
                }
              }
              double[] ab = affineFit(pairs);
              String at = view[0] + " step " + step + " image " + n + (side ? " inside" : " outside");
              assertTrue(pairs.size() >= 6, at + ": " + pairs.size() + " unclamped values");
              assertTrue(ab[0] > 0, at + ": slope " + ab[0]);
              for (double[] q : pairs) {
                assertEquals(ab[0] * q[0] + ab[1], q[1], 2e-5, at + " at source value " + q[0]);
              }
              if (Math.abs(ab[0] - 1) > 0.01) {
                jittered++;
              }
            }
          }
        }
      }
    }
    assertTrue(jittered > 0, "colour jitter changed some views");
  }

  /** Least-squares (a, b) of s ≈ a·t + b over (t, s) pairs. */
  private static double[] affineFit(List<double[]> pairs) {
    double n = pairs.size();
    double st = 0;
    double ss = 0;
    double stt = 0;
    double sts = 0;
    for (double[] q : pairs) {
      st += q[0];
      ss += q[1];
      stt += q[0] * q[0];
      sts += q[0] * q[1];
    }
    double a = (n * sts - st * ss) / (n * stt - st * st);
    return new double[] {a, (ss - a * st) / n};
  }

  private static boolean tie(double coordinate) {
    double frac = coordinate - Math.floor(coordinate);
    return Math.abs(frac - 0.5) < 1e-3;
  }

  /** Labels in 4 x 4 blocks, 4 classes. */
  private static int classAt(int r, int c) {
    return (r / 4 + c / 4) % 4;
  }

  /**
   * (case, row, column) that pixel {@code i} of a [N, H, W, 3] array samples, or null when it is
   * (partly) the rotation's fill.
   */
  private static double[] decode(float[] v, int i) {
    double presence = v[i * C + 2];
    if (Math.abs(presence - 0.5) > 1e-5) {
      return null;
    }
    double c0 = v[i * C] - 0.1;
    int k = (int) Math.floor(c0 / 0.1 + 1e-6);
    return new double[] {k, (c0 - 0.1 * k) / 0.004, (v[i * C + 1] - 0.1) / 0.01};
  }

  /** The single source case of image {@code n} of a view batch (fill pixels left out). */
  private static int caseOf(float[] view, int n, String what) {
    int found = -1;
    for (int p = 0; p < H * W; p++) {
      double[] src = decode(view, n * H * W + p);
      if (src != null) {
        assertTrue(found < 0 || found == (int) src[0], what + ": two source images in one view");
        found = (int) src[0];
      }
    }
    assertTrue(found >= 0 && found < CASES, what + ": case " + found);
    return found;
  }

  /** SemSimStrategy's CutMix mixing of the weak "predictions" (here the weak views), run in a graph. */
  private static float[] graphTarget(float[] box, float[] mixWeak, float[] weak) {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Operand<TFloat32> out = SemSimStrategy.paste(tf, constant(tf, box, B, H, W),
          constant(tf, mixWeak, B, H, W, C), constant(tf, weak, B, H, W, C));
      try (Session s = new Session(graph); Result r = s.runner().fetch(out).run()) {
        return Tensors.toFloats(r, 0);
      }
    }
  }

  private static Operand<TFloat32> constant(Ops tf, float[] values, long... shape) {
    return tf.reshape(tf.constant(values), tf.constant(shape));
  }

  /** Labeled cases 0 and 1, unlabeled cases 2..5, each loader with its own seed. */
  private static SemSimBatches batches(Geometry g, StrongAugmentationConfig strong) {
    DataConfig data = DataConfig.newBuilder().setLayout(DataConfig.Layout.SYNTHETIC_MEDICAL2D)
        .addCropSize(H).addCropSize(W)
        .setAugmentation(g.augmentation.clone().setStrong(strong)).build();
    SemiSupervisedViews views = SemiSupervisedViewsFactory.of(data, 1f);
    List<String> unlabeled = List.of("case2", "case3", "case4", "case5");
    return new SemSimBatches(loader(List.of("case0", "case1"), PackedViews.labeled(views), 3),
        loader(unlabeled, PackedViews.unlabeled(views), 1), loader(unlabeled, PackedViews.unlabeled(views), 2), C);
  }

  private static BatchLoader loader(List<String> ids,
      org.delineo.training.data.augment.Augmentation augmentation, long seed) {
    return BatchLoader.builder(ids, SOURCES::get).augmentation(augmentation).batchSize(B).workers(1)
        .prefetch(1).seed(seed).shuffle(true).dropLast(true).build();
  }

  private static Map<String, Sample> sources() {
    Map<String, Sample> out = new HashMap<>();
    for (int k = 0; k < CASES; k++) {
      float[] image = new float[H0 * W0 * C];
      int[] label = new int[H0 * W0];
      for (int r = 0; r < H0; r++) {
        for (int c = 0; c < W0; c++) {
          int p = r * W0 + c;
          image[p * C] = (float) (0.1 + 0.1 * k + 0.004 * r);
          image[p * C + 1] = (float) (0.1 + 0.01 * c);
          image[p * C + 2] = 0.5f;
          label[p] = classAt(r, c);
        }
      }
      out.put("case" + k, new Sample("case" + k, image, new int[] {H0, W0, C}, label,
          new int[] {H0, W0}, new double[] {1, 1}));
    }
    return Map.copyOf(out);
  }
}
