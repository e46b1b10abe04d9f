package org.delineo.training.data.synth;

/**
 * A random smooth scalar field over normalised coordinates (each in [0, 1]): a sum of a few
 * low-frequency cosines with amplitudes summing to 1, so values lie in [-1, 1]. Used for
 * background texture, intensity bias fields and irregular boundaries. {@link StrictMath} keeps
 * the values identical on every platform.
 */
final class SmoothField {
  private final double[][] frequencies;
  private final double[] phases;
  private final double[] amplitudes;

  private SmoothField(double[][] frequencies, double[] phases, double[] amplitudes) {
    this.frequencies = frequencies;
    this.phases = phases;
    this.amplitudes = amplitudes;
  }

  /**
   * Draws a field.
   *
   * @param dims number of coordinates
   * @param terms number of cosine terms
   * @param maxFrequency largest frequency per coordinate, in cycles per unit length
   */
  static SmoothField random(CaseRandom random, int dims, int terms, double maxFrequency) {
    double[][] frequencies = new double[terms][dims];
    double[] phases = new double[terms];
    double[] amplitudes = new double[terms];
    double total = 0;
    for (int t = 0; t < terms; t++) {
      for (int d = 0; d < dims; d++) {
        frequencies[t][d] = random.uniform(-maxFrequency, maxFrequency) * 2 * Math.PI;
      }
      phases[t] = random.uniform(0, 2 * Math.PI);
      amplitudes[t] = random.uniform(0.5, 1.0);
      total += amplitudes[t];
    }
    for (int t = 0; t < terms; t++) {
      amplitudes[t] /= total;
    }
    return new SmoothField(frequencies, phases, amplitudes);
  }

  /** The field's value at a point, in [-1, 1]. */
  double at(double... point) {
    double sum = 0;
    for (int t = 0; t < amplitudes.length; t++) {
      double arg = phases[t];
      for (int d = 0; d < point.length; d++) {
        arg += frequencies[t][d] * point[d];
      }
      sum += amplitudes[t] * StrictMath.cos(arg);
    }
    return sum;
  }
}
