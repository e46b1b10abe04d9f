package org.delineo.training.data.synth;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.CityscapesLayout;
import org.delineo.training.data.DatasetInfo;
import org.delineo.training.data.SegmentationDataset;

/**
 * Synthetic driving-scene stand-in: RGB images of simple shapes on textured, noisy backgrounds,
 * written in the plain {@link CityscapesLayout} ({@code images/<id>.png}, {@code labels/<id>.png}).
 *
 * <p>Classes: 0 background (a random colour with a smooth texture and a faint grating), 1 disk,
 * 2 square (rotated), 3 triangle (rotated), 4 stripe band (a band of alternating stripes across
 * the image). Colours are random per object but kept away from the background colour, so shape
 * and texture, not colour, tell the classes apart. Every image has an ignore region
 * ({@link CityscapesLayout#IGNORE_LABEL}) along the bottom, like Cityscapes' ego-vehicle, and about
 * half of them an ignored blob ("unknown object"). Gaussian noise (sigma 0.03 of full scale) is
 * added before 8-bit quantisation.
 */
public final class SyntheticScenes2d implements SyntheticGenerator {
  /** Default image height and width. */
  public static final int DEFAULT_SIZE = 64;
  /** Class names in id order. */
  public static final List<String> CLASSES =
      List.of("background", "disk", "square", "triangle", "stripes");

  static final int DISK = 1;
  static final int SQUARE = 2;
  static final int TRIANGLE = 3;
  static final int STRIPES = 4;
  private static final long SALT = 0x5CE2E5L;
  private static final double NOISE_SIGMA = 0.03;

  /**
   * One rendered scene.
   *
   * @param height image height
   * @param width image width
   * @param rgb 8-bit values 0..255, row-major {@code [H, W, 3]}
   * @param labels class ids or 255, row-major {@code [H, W]}
   */
  public record Scene(int height, int width, int[] rgb, int[] labels) {}

  private final int height;
  private final int width;

  /** Scenes of {@value #DEFAULT_SIZE} x {@value #DEFAULT_SIZE} pixels. */
  public SyntheticScenes2d() {
    this(DEFAULT_SIZE, DEFAULT_SIZE);
  }

  /**
   * Scenes of the given size.
   *
   * @throws DelineoException when a side is below 16 pixels (shapes would not be drawable)
   */
  public SyntheticScenes2d(int height, int width) {
    if (height < 16 || width < 16) {
      throw new DelineoException("synthetic scenes: size must be at least 16x16, found " + height
          + "x" + width);
    }
    this.height = height;
    this.width = width;
  }

  @Override
  public String kind() {
    return "scenes2d";
  }

  @Override
  public String caseId(int index) {
    return String.format("scene_%05d", index);
  }

  @Override
  public List<String> sampleIds(int index, long seed) {
    return List.of(caseId(index));
  }

  /** Renders scene {@code index} of a dataset generated with {@code seed}. */
  public Scene render(int index, long seed) {
    CaseRandom random = CaseRandom.of(seed, index, SALT);
    int n = height * width;
    double[] colour = new double[n * 3];
    int[] labels = new int[n];
    double size = Math.min(height, width);

    paintBackground(random, colour);
    double[] background = averageColour(colour);
    if (random.chance(0.8)) {
      paintStripes(random, colour, labels, background, size);
    }
    paintShapes(random, colour, labels, background, size);
    paintIgnore(random, colour, labels, size);

    double gain = random.uniform(0.85, 1.15);
    int[] rgb = new int[n * 3];
    for (int i = 0; i < rgb.length; i++) {
      double v = colour[i] * gain + NOISE_SIGMA * random.gaussian();
      rgb[i] = (int) Math.round(255 * Math.min(1, Math.max(0, v)));
    }
    return new Scene(height, width, rgb, labels);
  }

  @Override
  public void writeCase(Path root, int index, long seed) {
    Scene scene = render(index, seed);
    String id = caseId(index);
    SyntheticFiles.writeRgbPng(root.resolve("images").resolve(id + ".png"), scene);
    SyntheticFiles.writeLabelPng(root.resolve("labels").resolve(id + ".png"), scene);
  }

  @Override
  public DatasetInfo describe(int cases, long seed) {
    Map<String, String> e = new LinkedHashMap<>();
    e.put("kind", kind());
    e.put("layout", "cityscapes");
    e.put("classes", Integer.toString(CLASSES.size()));
    for (int c = 0; c < CLASSES.size(); c++) {
      e.put("class." + c, CLASSES.get(c));
    }
    e.put("ignore_label", Integer.toString(CityscapesLayout.IGNORE_LABEL));
    e.put("channels", "3");
    e.put("size", height + "x" + width);
    e.put("cases", Integer.toString(cases));
    e.put("seed", Long.toString(seed));
    return DatasetInfo.of(e);
  }

  @Override
  public SegmentationDataset open(Path root) {
    return new CityscapesLayout(root);
  }

  private void paintBackground(CaseRandom random, double[] colour) {
    double[] base = randomColour(random, 0.2, 0.8);
    SmoothField texture = SmoothField.random(random, 2, 4, 3.0);
    double angle = random.uniform(0, Math.PI);
    double period = random.uniform(6, 12);
    double ca = StrictMath.cos(angle);
    double sa = StrictMath.sin(angle);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        double t = 0.1 * texture.at((double) y / height, (double) x / width)
            + 0.04 * StrictMath.sin(2 * Math.PI * (ca * x + sa * y) / period);
        for (int c = 0; c < 3; c++) {
          colour[(y * width + x) * 3 + c] = base[c] + t;
        }
      }
    }
  }

  private void paintStripes(
      CaseRandom random, double[] colour, int[] labels, double[] background, double size) {
    double normalAngle = random.uniform(0, Math.PI);
    double nx = StrictMath.cos(normalAngle);
    double ny = StrictMath.sin(normalAngle);
    double cx = random.uniform(0.25, 0.75) * width;
    double cy = random.uniform(0.25, 0.75) * height;
    double halfWidth = random.uniform(0.08, 0.13) * size;
    double period = random.uniform(3, 5);
    double[] a = distinctColour(random, background);
    double[] b = new double[3];
    for (int c = 0; c < 3; c++) {
      b[c] = 0.35 * a[c] + 0.65 * (1 - a[c]);
    }
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        double across = nx * (x - cx) + ny * (y - cy);
        if (Math.abs(across) > halfWidth) {
          continue;
        }
        double along = -ny * (x - cx) + nx * (y - cy);
        double[] stripe = Math.floorMod((long) Math.floor(along / period), 2) == 0 ? a : b;
        fill(colour, labels, y * width + x, stripe, STRIPES);
      }
    }
  }

  private void paintShapes(
      CaseRandom random, double[] colour, int[] labels, double[] background, double size) {
    int[] order = {DISK, SQUARE, TRIANGLE};
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    int count = random.between(2, 4);
    double[][] placed = new double[count][];
    for (int s = 0; s < count; s++) {
      int cls = s < order.length ? order[s] : order[random.nextInt(order.length)];
      double radius = random.uniform(0.09, 0.18) * size;
      double cx = 0;
      double cy = 0;
      // A few tries to keep shapes apart so that occlusion rarely hides one completely.
      for (int attempt = 0; attempt < 12; attempt++) {
        cx = random.uniform(0.1, 0.9) * width;
        cy = random.uniform(0.1, 0.8) * height;
        if (farFromOthers(placed, s, cx, cy, radius)) {
          break;
        }
      }
      placed[s] = new double[] {cx, cy, radius};
      double angle = random.uniform(0, 2 * Math.PI);
      double[] fillColour = distinctColour(random, background);
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          if (inside(cls, x + 0.5 - cx, y + 0.5 - cy, radius, angle)) {
            fill(colour, labels, y * width + x, fillColour, cls);
          }
        }
      }
    }
  }

  private void paintIgnore(CaseRandom random, double[] colour, int[] labels, double size) {
    int ignore = CityscapesLayout.IGNORE_LABEL;
    double hood = Math.max(2.0, 0.06 * height);
    double[] dark = {0.12, 0.12, 0.14};
    for (int x = 0; x < width; x++) {
      double u = (x + 0.5) / width - 0.5;
      double top = height - hood * (1 + 0.5 * (1 - 4 * u * u));
      for (int y = 0; y < height; y++) {
        if (y + 0.5 >= top) {
          fill(colour, labels, y * width + x, dark, ignore);
        }
      }
    }
    if (random.chance(0.5)) {
      double cx = random.uniform(0, width);
      double cy = random.uniform(0, height);
      double rx = random.uniform(0.04, 0.09) * size;
      double ry = random.uniform(0.04, 0.09) * size;
      double[] blob = randomColour(random, 0.0, 1.0);
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          double dx = (x + 0.5 - cx) / rx;
          double dy = (y + 0.5 - cy) / ry;
          if (dx * dx + dy * dy <= 1) {
            fill(colour, labels, y * width + x, blob, ignore);
          }
        }
      }
    }
  }

  /** Whether the offset (dx, dy) from a shape's centre lies inside it. */
  static boolean inside(int cls, double dx, double dy, double radius, double angle) {
    double c = StrictMath.cos(angle);
    double s = StrictMath.sin(angle);
    double u = c * dx + s * dy;
    double v = -s * dx + c * dy;
    switch (cls) {
      case DISK:
        return dx * dx + dy * dy <= radius * radius;
      case SQUARE:
        double half = 0.85 * radius;
        return Math.abs(u) <= half && Math.abs(v) <= half;
      case TRIANGLE:
        // Equilateral triangle with circumradius 1.4 r (so its area is close to the disk's): inside
        // when the projection on each edge normal is at most the inradius (R / 2).
        double inradius = 0.7 * radius;
        for (int k = 0; k < 3; k++) {
          double a = 2 * Math.PI * k / 3;
          if (StrictMath.cos(a) * u + StrictMath.sin(a) * v > inradius) {
            return false;
          }
        }
        return true;
      default:
        throw new IllegalArgumentException("not a shape class: " + cls);
    }
  }

  private static boolean farFromOthers(double[][] placed, int count, double cx, double cy,
      double radius) {
    for (int i = 0; i < count; i++) {
      double dx = placed[i][0] - cx;
      double dy = placed[i][1] - cy;
      double min = 0.9 * (placed[i][2] + radius);
      if (dx * dx + dy * dy < min * min) {
        return false;
      }
    }
    return true;
  }

  private static void fill(double[] colour, int[] labels, int pixel, double[] rgb, int label) {
    for (int c = 0; c < 3; c++) {
      colour[pixel * 3 + c] = rgb[c];
    }
    labels[pixel] = label;
  }

  private static double[] randomColour(CaseRandom random, double lo, double hi) {
    return new double[] {random.uniform(lo, hi), random.uniform(lo, hi), random.uniform(lo, hi)};
  }

  /** A colour at least 0.35 (Euclidean, RGB in [0, 1]) from {@code avoid}, when one is found. */
  private static double[] distinctColour(CaseRandom random, double[] avoid) {
    double[] best = null;
    double bestDistance = -1;
    for (int attempt = 0; attempt < 20; attempt++) {
      double[] candidate = randomColour(random, 0.05, 0.95);
      double d = 0;
      for (int c = 0; c < 3; c++) {
        d += (candidate[c] - avoid[c]) * (candidate[c] - avoid[c]);
      }
      d = Math.sqrt(d);
      if (d > bestDistance) {
        best = candidate;
        bestDistance = d;
      }
      if (d >= 0.35) {
        break;
      }
    }
    return best;
  }

  private double[] averageColour(double[] colour) {
    double[] mean = new double[3];
    int n = height * width;
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < 3; c++) {
        mean[c] += colour[i * 3 + c] / n;
      }
    }
    return mean;
  }
}
