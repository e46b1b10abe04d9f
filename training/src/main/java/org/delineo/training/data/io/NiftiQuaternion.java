package org.delineo.training.data.io;

/**
 * Conversions between a 3×3 rotation matrix and the NIfTI-1 qform quaternion {@code (b, c, d)},
 * whose scalar part {@code a = sqrt(1 - b² - c² - d²)} is implied and non-negative.
 */
final class NiftiQuaternion {

  private NiftiQuaternion() {}

  /** The rotation matrix of the unit quaternion {@code (a, b, c, d)} with {@code a} implied. */
  static double[][] toRotation(double b, double c, double d) {
    double sum = b * b + c * c + d * d;
    double a;
    if (1.0 - sum < 1e-7) {
      // (b, c, d) alone is (nearly) unit length: a 180° rotation; renormalise as nifti1_io does.
      double n = Math.sqrt(sum);
      b /= n;
      c /= n;
      d /= n;
      a = 0.0;
    } else {
      a = Math.sqrt(1.0 - sum);
    }
    return new double[][] {
      {a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)},
      {2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)},
      {2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - b * b - c * c}
    };
  }

  /**
   * The quaternion {@code (b, c, d)} (with {@code a >= 0}) of a proper rotation matrix {@code r}
   * (orthonormal, determinant +1). Picks the numerically largest component first so that rotations
   * near 180° stay accurate.
   */
  static double[] fromRotation(double[][] r) {
    double trace = r[0][0] + r[1][1] + r[2][2];
    double a;
    double b;
    double c;
    double d;
    if (trace > -0.5) {
      a = 0.5 * Math.sqrt(1.0 + trace);
      b = 0.25 * (r[2][1] - r[1][2]) / a;
      c = 0.25 * (r[0][2] - r[2][0]) / a;
      d = 0.25 * (r[1][0] - r[0][1]) / a;
    } else {
      double xd = 1.0 + r[0][0] - (r[1][1] + r[2][2]);
      double yd = 1.0 + r[1][1] - (r[0][0] + r[2][2]);
      double zd = 1.0 + r[2][2] - (r[0][0] + r[1][1]);
      if (xd >= yd && xd >= zd) {
        b = 0.5 * Math.sqrt(xd);
        c = 0.25 * (r[0][1] + r[1][0]) / b;
        d = 0.25 * (r[0][2] + r[2][0]) / b;
        a = 0.25 * (r[2][1] - r[1][2]) / b;
      } else if (yd >= zd) {
        c = 0.5 * Math.sqrt(yd);
        b = 0.25 * (r[0][1] + r[1][0]) / c;
        d = 0.25 * (r[1][2] + r[2][1]) / c;
        a = 0.25 * (r[0][2] - r[2][0]) / c;
      } else {
        d = 0.5 * Math.sqrt(zd);
        b = 0.25 * (r[0][2] + r[2][0]) / d;
        c = 0.25 * (r[1][2] + r[2][1]) / d;
        a = 0.25 * (r[1][0] - r[0][1]) / d;
      }
      if (a < 0) {
        b = -b;
        c = -c;
        d = -d;
      }
    }
    return new double[] {b, c, d};
  }
}
