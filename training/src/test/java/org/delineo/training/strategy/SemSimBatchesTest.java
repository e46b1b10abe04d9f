package org.delineo.training.strategy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.data.pipeline.Batch;
import org.delineo.training.data.pipeline.BatchLoader;
import org.delineo.training.data.LabeledSplit;
import org.delineo.training.data.pipeline.LoaderPosition;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.pipeline.SemiSupervisedViews;
import org.delineo.training.data.Split;
import org.delineo.training.strategy.PackedViews.Part;
import org.delineo.training.data.pipeline.SemiSupervisedViewsFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SemSim batches: feed names and shapes; strong views equal the mix sample's strong view inside the
 * CutMix box and their own outside (exact, checked against independently built twin loaders); a
 * source started at a later position continues exactly as an uninterrupted one.
 */
class SemSimBatchesTest {
  private static final int B = 2;
  private static final int H = 32;
  private static final java.util.Set<String> NAMES = java.util.Set.of("image", "labels", "u_weak",
      "u_mix_weak", "u_strong1", "u_strong2", "cutmix_box1", "cutmix_box2");

  @TempDir static Path dir;
  private static ExperimentConfig config;
  private static SegmentationDataset dataset;

  @BeforeAll
  static void data() {
    SemSimFixtures.writeData(dir);
    config = SemSimFixtures.config(dir);
    dataset = SemSimFixtures.open(config);
  }

  @Test
  void feedsEveryInputWithItsShape() {
    try (SemSimBatches source = SemSimBatches.training(new TrainingData(config, dataset, null), new LoaderPosition(0, 0))) {
      StepBatch b = source.next();
      Map<String, FeedArray> f = b.feeds();
      assertEquals(NAMES, f.keySet());
      assertArrayEquals(new long[] {B, H, H, 1}, f.get("image").shape());
      assertArrayEquals(new long[] {B, H, H}, f.get("labels").shape());
      for (String view : List.of("u_weak", "u_mix_weak", "u_strong1", "u_strong2")) {
        assertArrayEquals(new long[] {B, H, H, 1}, f.get(view).shape(), view);
      }
      for (String box : List.of("cutmix_box1", "cutmix_box2")) {
        assertArrayEquals(new long[] {B, H, H}, f.get(box).shape(), box);
        for (float v : f.get(box).floats()) {
          assertTrue(v == 0f || v == 1f, box + " value " + v);
        }
      }
      for (int label : f.get("labels").ints()) {
        assertTrue(label >= 0 && label < 4, "label " + label);
      }
    }
  }

  @Test
  void strongViewsTakeTheMixImageInsideTheBoxAndTheirOwnOutside() {
    TrainingData data = new TrainingData(config, dataset, null);
    LabeledSplit split = LabeledSplit.of(dataset, Split.TRAIN, 1, 1, 7);
    SemiSupervisedViews views = SemiSupervisedViewsFactory.of(config.getData(), 1f);
    LoaderPosition start = new LoaderPosition(0, 0);
    try (SemSimBatches source = SemSimBatches.training(data, start);
        BatchLoader own = data.loader(split.unlabeled(), PackedViews.unlabeled(views), B, 0, start);
        BatchLoader mix = data.loader(split.unlabeled(), PackedViews.unlabeled(views), B,
            SemSimBatches.MIX_SEED_OFFSET, start)) {
      int inside = 0;
      int outside = 0;
      for (int step = 0; step < 3; step++) {
        Map<String, FeedArray> f = source.next().feeds();
        Batch u = own.next();
        Batch m = mix.next();
        assertArrayEquals(PackedViews.part(u, Part.WEAK, 1), f.get("u_weak").floats(), "own weak view");
        assertArrayEquals(PackedViews.part(m, Part.WEAK, 1), f.get("u_mix_weak").floats(), "mix weak view");
        Part[][] pairs = {{Part.STRONG1, Part.BOX1}, {Part.STRONG2, Part.BOX2}};
        String[] names = {"u_strong1", "u_strong2"};
        for (int k = 0; k < 2; k++) {
          float[] box = PackedViews.part(u, pairs[k][1], 1);
          assertArrayEquals(box, f.get(k == 0 ? "cutmix_box1" : "cutmix_box2").floats());
          float[] ownStrong = PackedViews.part(u, pairs[k][0], 1);
          float[] mixStrong = PackedViews.part(m, pairs[k][0], 1);
          float[] fed = f.get(names[k]).floats();
          for (int i = 0; i < box.length; i++) {
            float expected = box[i] == 1f ? mixStrong[i] : ownStrong[i];
            assertEquals(expected, fed[i], 0f, names[k] + " pixel " + i + " at step " + step);
            if (box[i] == 1f) {
              inside++;
            } else {
              outside++;
            }
          }
        }
      }
      // cutmix_prob 1: every strong view has a box, and no box covers a whole image (area <= 0.4).
      assertTrue(inside > 0 && outside > 0, "pixels inside " + inside + ", outside " + outside);
    }
  }

  @Test
  void aLaterStartContinuesAsAnUninterruptedRun() {
    TrainingData data = new TrainingData(config, dataset, null);
    try (SemSimBatches straight = SemSimBatches.training(data, new LoaderPosition(0, 0))) {
      int perEpoch = -1;
      for (int i = 0; i < 40 && perEpoch < 0; i++) {
        straight.next();
        if (straight.position().epoch() == 1) {
          perEpoch = i + 1;
        }
      }
      assertTrue(perEpoch > 0, "one unlabeled epoch within 40 batches");
      straight.next(); // now at epoch 1, batch 1
      LoaderPosition at = straight.position();
      assertEquals(new LoaderPosition(1, 1), at);
      try (SemSimBatches resumed = SemSimBatches.training(data, at)) {
        for (int i = 0; i < 2; i++) {
          Map<String, FeedArray> a = straight.next().feeds();
          Map<String, FeedArray> b = resumed.next().feeds();
          for (String name : a.keySet()) {
            assertEquals(a.get(name).floats() == null, b.get(name).floats() == null);
            if (a.get(name).floats() != null) {
              assertArrayEquals(a.get(name).floats(), b.get(name).floats(), name + " batch " + i);
            } else {
              assertArrayEquals(a.get(name).ints(), b.get(name).ints(), name + " batch " + i);
            }
          }
        }
      }
    }
  }

  @Test
  void pasteReplacesEveryChannelOfBoxPixels() {
    // 1 image, 2 pixels, 2 channels; box on the second pixel only.
    float[] own = {1, 2, 3, 4};
    float[] mix = {5, 6, 7, 8};
    assertArrayEquals(new float[] {1, 2, 7, 8}, SemSimBatches.paste(own, mix, new float[] {0, 1}, 2), 0f);
  }
}
