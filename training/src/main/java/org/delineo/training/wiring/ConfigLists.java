package org.delineo.training.wiring;

import java.util.List;

/** Repeated config fields as the primitive arrays the model builders take. */
final class ConfigLists {
  private ConfigLists() {}

  static int[] ints(List<Integer> values) {
    return values.stream().mapToInt(Integer::intValue).toArray();
  }

  static float[] floats(List<Float> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i);
    }
    return out;
  }
}
