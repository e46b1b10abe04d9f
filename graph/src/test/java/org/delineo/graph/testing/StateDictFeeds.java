package org.delineo.graph.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.delineo.graph.ModelVariable;
import org.delineo.graph.Tensors;
import org.delineo.graph.VariableStore;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat32;

/**
 * Random values for every float variable of a store, fed in place of the variables' reads, and the
 * same values in PyTorch's state-dict layout for a plain-Java reference. Ranges are chosen so every
 * part of a model matters: running variances and norm / layer-scale weights in [0.5, 1.5], running
 * means and biases in [−0.5, 0.5], kernels uniform with variance ≈ 1 / fan-in (a kernel whose last
 * axis is 1 is taken as depthwise, fan-in kh · kw).
 */
public final class StateDictFeeds implements AutoCloseable {
  private final Map<String, float[]> ours = new LinkedHashMap<>();
  private final Map<String, long[]> shapes = new LinkedHashMap<>();
  private final List<Tensor> tensors = new ArrayList<>();
  private final Map<Operand<TFloat32>, TFloat32> feeds = new LinkedHashMap<>();

  private StateDictFeeds() {}

  /** Random values for every float variable of {@code store}, drawn from {@code seed} in store order. */
  @SuppressWarnings("unchecked")
  public static StateDictFeeds random(VariableStore store, long seed) {
    StateDictFeeds f = new StateDictFeeds();
    Random random = new Random(seed);
    for (ModelVariable<?> v : store.all()) {
      if (v.value().type() != TFloat32.class) {
        continue;
      }
      long[] shape = v.shape().asArray();
      float[] values = new float[Math.toIntExact(v.size())];
      double lo;
      double hi;
      String n = v.name();
      if (shape.length == 4) {
        long fanIn = shape[0] * shape[1] * (shape[3] == 1 ? 1 : shape[2]);
        hi = Math.sqrt(3.0 / fanIn);
        lo = -hi;
      } else if (n.endsWith("running_var") || n.contains("layer_scale")
          || (n.endsWith(".weight") && shape.length == 1)) {
        lo = 0.5;
        hi = 1.5;
      } else {
        lo = -0.5;
        hi = 0.5;
      }
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) (lo + (hi - lo) * random.nextDouble());
      }
      f.ours.put(n, values);
      f.shapes.put(n, shape);
      TFloat32 t = Tensors.floats(v.shape(), values);
      f.tensors.add(t);
      f.feeds.put((Operand<TFloat32>) v.value(), t);
    }
    return f;
  }

  /** The values in our layout by variable name. */
  public Map<String, float[]> ours() {
    return ours;
  }

  /**
   * The values in PyTorch's layout by the same names: 4-D kernels [kh, kw, I, O] become
   * [O, I, kh, kw]; a depthwise kernel [kh, kw, C, 1] becomes [C, 1, kh, kw], whose flat order is
   * the same permutation. Everything else is copied.
   */
  public Map<String, float[]> torchLayout() {
    Map<String, float[]> out = new LinkedHashMap<>();
    ours.forEach((name, v) -> {
      long[] s = shapes.get(name);
      out.put(name, s.length == 4 ? hwioToOihw(v, (int) s[0], (int) s[1], (int) s[2], (int) s[3]) : v.clone());
    });
    return out;
  }

  /** The runner with every variable read fed its value. */
  public Session.Runner feed(Session.Runner runner) {
    feeds.forEach(runner::feed);
    return runner;
  }

  private static float[] hwioToOihw(float[] v, int kh, int kw, int in, int out) {
    float[] t = new float[v.length];
    for (int y = 0; y < kh; y++) {
      for (int x = 0; x < kw; x++) {
        for (int i = 0; i < in; i++) {
          for (int o = 0; o < out; o++) {
            t[((o * in + i) * kh + y) * kw + x] = v[((y * kw + x) * in + i) * out + o];
          }
        }
      }
    }
    return t;
  }

  @Override
  public void close() {
    tensors.forEach(Tensor::close);
  }
}
