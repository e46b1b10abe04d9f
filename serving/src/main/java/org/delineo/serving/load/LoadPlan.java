package org.delineo.serving.load;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.delineo.graph.DelineoException;

/**
 * What {@link LoadRun} sends: {@code requests} measured requests (after {@code warmup} unmeasured
 * ones) from {@code threads} threads, request {@code i} of shape {@code shapes[i % shapes.size()]}
 * (round-robin, so every shape gets its share) with values drawn from a generator seeded by
 * {@code seed} and {@code i}: the same plan always sends the same inputs, whatever thread sends
 * them.
 *
 * @param requests measured requests, at least 1
 * @param threads concurrent senders, at least 1
 * @param warmup unmeasured requests sent first (graph optimisation, allocator and JIT warm-up)
 * @param shapes request shapes {@code H, W, C} or {@code D, H, W, C}, all of one rank
 * @param seed the inputs' seed
 * @param classes the class count every answer must have; 0 takes it from the first answer
 */
public record LoadPlan(int requests, int threads, int warmup, List<int[]> shapes, long seed, int classes) {

  public LoadPlan {
    if (requests < 1) {
      throw new DelineoException("load: requests must be at least 1, found " + requests);
    }
    if (threads < 1) {
      throw new DelineoException("load: threads must be at least 1, found " + threads);
    }
    if (warmup < 0) {
      throw new DelineoException("load: warm-up requests must be 0 or more, found " + warmup);
    }
    if (classes < 0) {
      throw new DelineoException("load: classes must be 0 (from the first answer) or more, found " + classes);
    }
    if (shapes == null || shapes.isEmpty()) {
      throw new DelineoException("load: expected at least one request shape, found none");
    }
    List<int[]> copies = new ArrayList<>(shapes.size());
    for (int[] shape : shapes) {
      if (shape.length != shapes.get(0).length || (shape.length != 3 && shape.length != 4)
          || Arrays.stream(shape).anyMatch(s -> s <= 0)) {
        throw new DelineoException("load: request shapes must be positive H, W, C or D, H, W, C, all of one rank;"
            + " found " + Arrays.toString(shape) + " next to " + Arrays.toString(shapes.get(0)));
      }
      copies.add(shape.clone());
    }
    shapes = List.copyOf(copies);
  }

  /**
   * Spatial sizes {@code "64x64,96x80"} (or {@code "16x32x32,..."} for volumes) with
   * {@code channels} appended to each.
   *
   * @throws DelineoException naming the option text and the bad size
   */
  public static List<int[]> parseSizes(String text, int channels) {
    if (channels < 1) {
      throw new DelineoException("load: channels must be at least 1, found " + channels);
    }
    List<int[]> shapes = new ArrayList<>();
    for (String size : text.split(",")) {
      String[] parts = size.trim().split("x");
      int[] shape = new int[parts.length + 1];
      try {
        for (int i = 0; i < parts.length; i++) {
          shape[i] = Integer.parseInt(parts[i].trim());
        }
      } catch (NumberFormatException e) {
        throw new DelineoException("load sizes '" + text + "': expected HxW or DxHxW with positive integers, found '"
            + size.trim() + "'");
      }
      if ((parts.length != 2 && parts.length != 3) || Arrays.stream(shape, 0, parts.length).anyMatch(s -> s <= 0)) {
        throw new DelineoException("load sizes '" + text + "': expected HxW or DxHxW with positive integers, found '"
            + size.trim() + "'");
      }
      shape[parts.length] = channels;
      shapes.add(shape);
    }
    return shapes;
  }

  /** The shape of measured request {@code index} (warm-up requests: the same rotation). */
  public int[] shape(int index) {
    return shapes.get(index % shapes.size()).clone();
  }

  /**
   * The values of request {@code index}, uniform in [-2, 2); warm-up requests draw from another
   * stream than measured ones.
   */
  public float[] input(int index, boolean warmupRequest) {
    int[] shape = shapes.get(index % shapes.size());
    int size = 1;
    for (int s : shape) {
      size = Math.multiplyExact(size, s);
    }
    Random random = new Random(seed * 1_000_003L + (warmupRequest ? -1 - index : index));
    float[] values = new float[size];
    for (int i = 0; i < size; i++) {
      values[i] = 4 * random.nextFloat() - 2;
    }
    return values;
  }
}
