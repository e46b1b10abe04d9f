package org.delineo.serving;

import java.util.Arrays;

/**
 * One image's (or volume's) raw class logits from {@link Predictor#logits}: the export's
 * {@code predict_logits} output, row-major like the input, so that they can be compared with a
 * reference implementation's before any softmax.
 *
 * @param shape spatial size {@code H, W} or {@code D, H, W}
 * @param numClasses number of classes K
 * @param values {@code shape × K} logits, classes last
 */
public record Logits(int[] shape, int numClasses, float[] values) {

  /** The array's full shape, {@code shape} followed by K. */
  public int[] shapeWithClasses() {
    int[] full = Arrays.copyOf(shape, shape.length + 1);
    full[shape.length] = numClasses;
    return full;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Logits l && numClasses == l.numClasses && Arrays.equals(shape, l.shape)
        && Arrays.equals(values, l.values);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(shape) * 31 + Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    return "Logits[shape=" + Arrays.toString(shape) + ", numClasses=" + numClasses + "]";
  }
}
