package org.delineo.training.export;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.delineo.serving.WarmupInput;
import org.delineo.training.data.Sample;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;

/**
 * The examples an export's warm-up requests are built from: real samples of the dataset cut or
 * padded to the signature's size, or one synthetic input of a size the network accepts.
 */
public final class WarmupSamples {
  /** Spatial size per axis of synthetic warm-up requests for dynamic-size exports (before rounding up to the stride). */
  public static final int SYNTHETIC_WARMUP_SIZE = 64;

  private WarmupSamples() {}

  /**
   * The shape of a synthetic warm-up request: the fixed size, else {@value #SYNTHETIC_WARMUP_SIZE}
   * per axis rounded up to a multiple of the network stride; channels last.
   */
  public static long[] syntheticWarmupShape(long[] fixedSize, int spatialRank, int channels, int divisor) {
    long[] shape = new long[spatialRank + 1];
    for (int i = 0; i < spatialRank; i++) {
      int d = Math.max(1, divisor);
      shape[i] = fixedSize != null ? fixedSize[i] : (long) Math.ceil(SYNTHETIC_WARMUP_SIZE / (double) d) * d;
    }
    shape[spatialRank] = channels;
    return shape;
  }

  /**
   * Up to {@code count} raw samples of the validation split (the training split if it is empty),
   * cut or zero-padded at their far end to {@code fixedSize} when the signature has one; empty when
   * both splits are.
   */
  static List<WarmupInput> fromDataset(SegmentationDataset dataset, int count, long[] fixedSize) {
    List<String> ids = dataset.ids(Split.VAL).isEmpty() ? dataset.ids(Split.TRAIN) : dataset.ids(Split.VAL);
    List<WarmupInput> inputs = new ArrayList<>();
    for (String id : ids.subList(0, Math.min(count, ids.size()))) {
      Sample s = dataset.load(id);
      long[] shape = Arrays.stream(s.imageShape()).asLongStream().toArray();
      inputs.add(fixedSize == null ? new WarmupInput(shape, s.image()) : fitTo(shape, s.image(), fixedSize));
    }
    return inputs;
  }

  /** Row-major {@code values} of {@code shape} ((D,) H, W, C) cut or zero-padded to {@code spatial}. */
  public static WarmupInput fitTo(long[] shape, float[] values, long[] spatial) {
    long[] target = Arrays.copyOf(spatial, spatial.length + 1);
    target[spatial.length] = shape[shape.length - 1];
    int size = 1;
    for (long d : target) {
      size *= (int) d;
    }
    float[] out = new float[size];
    int[] index = new int[target.length];
    for (int i = 0; i < size; i++) {
      // index: the multi-index of output element i; copy it if it lies inside the source.
      int rest = i;
      for (int a = target.length - 1; a >= 0; a--) {
        index[a] = rest % (int) target[a];
        rest /= (int) target[a];
      }
      int src = 0;
      boolean inside = true;
      for (int a = 0; a < target.length && inside; a++) {
        inside = index[a] < shape[a];
        src = src * (int) shape[a] + index[a];
      }
      out[i] = inside ? values[src] : 0f;
    }
    return new WarmupInput(target, out);
  }
}
