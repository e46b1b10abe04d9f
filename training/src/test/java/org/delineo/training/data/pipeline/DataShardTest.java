package org.delineo.training.data.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.training.config.ConfigException;
import org.delineo.training.data.Sample;
import org.delineo.training.data.augment.Augmentation;
import org.delineo.training.data.augment.Compose;
import org.delineo.training.data.augment.IntensityShiftScale;
import org.delineo.training.data.augment.RandomCrop;
import org.delineo.training.data.augment.RandomFlip;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Loaders of data-parallel workers: together they deliver exactly the whole loader's batches. */
@Timeout(60)
class DataShardTest {
  private static final Augmentation AUGMENT = Compose.of(new RandomCrop(3, 3),
      RandomFlip.allAxes(0.5), new IntensityShiftScale(0.1, 0.1));
  private static final int PER_SAMPLE = 3 * 3 * 2;

  /** A 4x4x2 labeled sample whose values identify the id. */
  private static Sample decode(String id) {
    int k = Integer.parseInt(id.substring(1));
    float[] img = new float[4 * 4 * 2];
    int[] lab = new int[16];
    for (int i = 0; i < img.length; i++) {
      img[i] = k * 100 + i;
    }
    for (int i = 0; i < 16; i++) {
      lab[i] = (k + i) % 3;
    }
    return new Sample(id, img, new int[] {4, 4, 2}, lab, new int[] {4, 4}, null);
  }

  private static BatchLoader loader(DataShard shard, LoaderPosition start) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 13; i++) {
      ids.add("s" + i);
    }
    return BatchLoader.builder(ids, DataShardTest::decode).augmentation(AUGMENT).batchSize(4).seed(7)
        .shuffle(true).dropLast(true).workers(2).shard(shard).startAt(start).build();
  }

  @Test
  void twoShardsTakeAlternateSamplesOfEveryWholeBatchAugmentedAlike() {
    LoaderPosition start = new LoaderPosition(1, 2);
    try (BatchLoader whole = loader(DataShard.WHOLE, start);
        BatchLoader first = loader(new DataShard(0, 2), start);
        BatchLoader second = loader(new DataShard(1, 2), start)) {
      // 13 samples make 3 batches of 4 per epoch: 7 batches cross two epoch boundaries.
      for (int b = 0; b < 7; b++) {
        LoaderPosition at = whole.state();
        assertEquals(at, first.state());
        assertEquals(at, second.state());
        Batch all = whole.next();
        Batch zero = first.next();
        Batch one = second.next();
        assertEquals(List.of(all.ids().get(0), all.ids().get(2)), zero.ids(), "batch " + b);
        assertEquals(List.of(all.ids().get(1), all.ids().get(3)), one.ids(), "batch " + b);
        for (int j = 0; j < 2; j++) {
          assertArrayEquals(sample(all, 2 * j), sample(zero, j));
          assertArrayEquals(sample(all, 2 * j + 1), sample(one, j));
          assertEquals(whole.sampleDraw(at, 2 * j), first.sampleDraw(at, j));
          assertEquals(whole.sampleDraw(at, 2 * j + 1), second.sampleDraw(at, j));
        }
      }
    }
  }

  @Test
  void aBatchThatDoesNotSplitEvenlyIsRefused() {
    assertEquals(2, new DataShard(1, 2).sizeOf(4, "field 'data.batch_size'"));
    ConfigException e = assertThrows(ConfigException.class,
        () -> new DataShard(1, 2).sizeOf(3, "field 'data.batch_size'"));
    assertEquals("field 'data.batch_size': expected a multiple of the 2 workers, which take equal shares of"
        + " every batch, found 3", e.getMessage());
    assertThrows(DelineoException.class, () -> BatchLoader.builder(List.of("s0", "s1", "s2"),
        DataShardTest::decode).batchSize(3).shard(new DataShard(0, 2)).build());
  }

  private static float[] sample(Batch batch, int i) {
    return Arrays.copyOfRange(batch.images(), i * PER_SAMPLE, (i + 1) * PER_SAMPLE);
  }
}
