package org.delineo.training.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.delineo.training.data.Sample;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;

/**
 * A tiny 2-class dataset held in memory: 16×16 RGB images with a bright square (class 1) on a dark
 * background; sample {@code poisoned} (if ≥ 0) carries a NaN pixel.
 */
public final class InMemoryDataset implements SegmentationDataset {
  public static final int SIZE = 16;
  private final int count;
  private final int poisoned;

  public InMemoryDataset(int count, int poisoned) {
    this.count = count;
    this.poisoned = poisoned;
  }

  @Override
  public String name() {
    return "in-memory";
  }

  @Override
  public List<String> ids(Split split) {
    List<String> ids = new ArrayList<>();
    int start = split == Split.TRAIN ? 0 : split == Split.VAL ? count : count + 2;
    int n = split == Split.TRAIN ? count : 2;
    for (int i = start; i < start + n; i++) {
      ids.add("s" + i);
    }
    return ids;
  }

  @Override
  public Sample load(String id) {
    int index = Integer.parseInt(id.substring(1));
    Random r = new Random(index);
    int x0 = r.nextInt(8);
    int y0 = r.nextInt(8);
    float[] image = new float[SIZE * SIZE * 3];
    int[] label = new int[SIZE * SIZE];
    for (int y = 0; y < SIZE; y++) {
      for (int x = 0; x < SIZE; x++) {
        boolean inside = x >= x0 && x < x0 + 8 && y >= y0 && y < y0 + 8;
        label[y * SIZE + x] = inside ? 1 : 0;
        for (int c = 0; c < 3; c++) {
          image[(y * SIZE + x) * 3 + c] = (inside ? 200 : 40) + 20 * (float) r.nextGaussian();
        }
      }
    }
    if (index == poisoned) {
      image[5] = Float.NaN;
    }
    return new Sample(id, image, new int[] {SIZE, SIZE, 3}, label, new int[] {SIZE, SIZE},
        new double[] {1, 1});
  }

  @Override
  public int numClasses() {
    return 2;
  }

  @Override
  public int channels() {
    return 3;
  }

  @Override
  public boolean is3d() {
    return false;
  }
}
