package org.delineo.training.data.synth;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.AcdcLayout;
import org.delineo.training.data.DatasetInfo;
import org.delineo.training.data.SegmentationDataset;

/**
 * Synthetic ACDC stand-in: short-axis cine-MRI-like slices of a heart, stacked as volumes and
 * written in the {@link AcdcLayout} ({@code patientNNN/patientNNN_frameXX.nii.gz} as int16,
 * {@code _gt.nii.gz} as uint8, plus ACDC's {@code Info.cfg} naming the ED and ES frames).
 *
 * <p>Each slice shows concentric structures inside a textured body ellipse: the left-ventricle
 * cavity (3, bright blood) inside the myocardium ring (2, dark muscle), with the right ventricle
 * (1, bright blood) as a crescent hugging the ring on one side. Outlines are irregular; from base
 * to apex the structures shrink and the RV fades out. Two frames per patient: end-diastole
 * ({@code frame01}: large cavity, thin wall) and end-systole ({@code frameXX}, XX in 8..15:
 * smaller cavity, thicker wall). Smooth bias field and Gaussian noise, like the other generators.
 */
public final class SyntheticMedical2d implements SyntheticGenerator {
  /** Default number of slices per volume. */
  public static final int DEFAULT_SLICES = 8;
  /** Default slice height and width. */
  public static final int DEFAULT_SIZE = 64;
  /** Class names in id order (ACDC's). */
  public static final List<String> CLASSES =
      List.of("background", "right ventricle", "myocardium", "left ventricle");
  /** In-plane and through-plane spacing in mm, x first (ACDC-like: thick slices). */
  public static final double[] SPACING_XYZ = {1.5, 1.5, 10.0};

  static final int RV = 1;
  static final int MYOCARDIUM = 2;
  static final int LV = 3;
  private static final long SALT = 0xACDCL;
  private static final double NOISE_SIGMA = 25;

  /**
   * One frame of one patient.
   *
   * @param frame the ACDC frame number (1 = end-diastole)
   * @param shape {@code [D, H, W]}
   * @param image row-major {@code [D, H, W]} integer-valued intensities
   * @param labels row-major {@code [D, H, W]} labels 0..3
   */
  public record Frame(int frame, int[] shape, float[] image, int[] labels) {}

  private final int slices;
  private final int height;
  private final int width;

  /** Volumes of {@value #DEFAULT_SLICES} slices of {@value #DEFAULT_SIZE}^2 pixels. */
  public SyntheticMedical2d() {
    this(DEFAULT_SLICES, DEFAULT_SIZE, DEFAULT_SIZE);
  }

  /**
   * Volumes of {@code [slices, height, width]}.
   *
   * @throws DelineoException for no slices or slices smaller than 24x24
   */
  public SyntheticMedical2d(int slices, int height, int width) {
    if (slices < 1 || height < 24 || width < 24) {
      throw new DelineoException("synthetic medical2d: need at least 1 slice of 24x24, found "
          + slices + "x" + height + "x" + width);
    }
    this.slices = slices;
    this.height = height;
    this.width = width;
  }

  @Override
  public String kind() {
    return "medical2d";
  }

  @Override
  public String caseId(int index) {
    return String.format("patient%03d", index + 1);
  }

  @Override
  public List<String> sampleIds(int index, long seed) {
    return List.of(frameId(index, 1), frameId(index, esFrame(index, seed)));
  }

  /** The sample id of one frame, e.g. {@code patient001_frame01}. */
  public String frameId(int index, int frame) {
    return String.format("%s_frame%02d", caseId(index), frame);
  }

  /**
   * Renders the end-diastole and end-systole frames of patient {@code index}.
   *
   * <p>The ES frame number comes from its own stream so that {@link #sampleIds} can name the
   * frames without rendering them.
   */
  public List<Frame> render(int index, long seed) {
    int esFrame = esFrame(index, seed);
    CaseRandom random = CaseRandom.of(seed, index, SALT);
    Anatomy anatomy = new Anatomy(random);
    return List.of(
        renderFrame(random, anatomy, 1, 1.0, 1.0),
        renderFrame(random, anatomy, esFrame, random.uniform(0.6, 0.75), 1.3));
  }

  private int esFrame(int index, long seed) {
    return CaseRandom.of(seed, index, SALT + 1).between(8, 15);
  }

  /** Per-patient geometry shared by both frames. */
  private final class Anatomy {
    final double size = Math.min(height, width);
    final double bodyRy;
    final double bodyRx;
    final double heartY;
    final double heartX;
    final double cavity;
    final double wall;
    final double rvAngle;
    final double rvScale;
    final SmoothField bodyTexture;
    final SmoothField outline;
    final SmoothField bias;

    Anatomy(CaseRandom random) {
      bodyRy = random.uniform(0.36, 0.46) * height;
      bodyRx = random.uniform(0.40, 0.48) * width;
      heartY = height / 2.0 + random.uniform(-0.08, 0.08) * size;
      heartX = width / 2.0 + random.uniform(-0.06, 0.10) * size;
      cavity = random.uniform(0.10, 0.14) * size;
      wall = random.uniform(0.05, 0.065) * size;
      rvAngle = Math.PI + random.uniform(-0.4, 0.4);
      rvScale = random.uniform(0.9, 1.15);
      bodyTexture = SmoothField.random(random, 3, 5, 3.0);
      outline = SmoothField.random(random, 2, 3, 0.8);
      bias = SmoothField.random(random, 3, 3, 0.7);
    }
  }

  private Frame renderFrame(
      CaseRandom random, Anatomy a, int frame, double cavityScale, double wallScale) {
    int n = slices * height * width;
    float[] image = new float[n];
    int[] labels = new int[n];
    double gain = random.uniform(0.85, 1.2);
    for (int z = 0; z < slices; z++) {
      // Base (z = 0) to apex: everything shrinks, the RV faster, and the centre drifts a little.
      double t = slices == 1 ? 0 : (double) z / (slices - 1);
      double shrink = 1 - 0.5 * t * t;
      double cavity = a.cavity * cavityScale * shrink;
      double outer = cavity + a.wall * wallScale * (0.8 + 0.2 * shrink);
      double rvRadius = outer * a.rvScale * (1 - 0.7 * t);
      double cy = a.heartY + 0.02 * a.size * t;
      double cx = a.heartX - 0.02 * a.size * t;
      double rvCy = cy + 0.7 * outer * StrictMath.sin(a.rvAngle);
      double rvCx = cx + 0.7 * outer * StrictMath.cos(a.rvAngle);
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          int i = (z * height + y) * width + x;
          double py = y + 0.5;
          double px = x + 0.5;
          double by = (py - height / 2.0) / a.bodyRy;
          double bx = (px - width / 2.0) / a.bodyRx;
          boolean body = by * by + bx * bx <= 1;
          double dy = py - cy;
          double dx = px - cx;
          double r = Math.sqrt(dy * dy + dx * dx);
          double wobble = 1 + 0.06 * (r > 0 ? a.outline.at(dy / r, dx / r) : 0);
          double ry = py - rvCy;
          double rx = px - rvCx;
          int label = 0;
          if (r < cavity * wobble) {
            label = LV;
          } else if (r < outer * wobble) {
            label = MYOCARDIUM;
          } else if (ry * ry + rx * rx < rvRadius * rvRadius) {
            label = RV;
          }
          labels[i] = label;
          double[] q = {(z + 0.5) / slices, py / height, px / width};
          double mean;
          if (label == LV || label == RV) {
            mean = label == LV ? 900 : 820;
          } else if (label == MYOCARDIUM) {
            mean = 250;
          } else if (body) {
            mean = 450 * (1 + 0.25 * a.bodyTexture.at(q));
          } else {
            mean = 20;
          }
          double value = mean * gain * StrictMath.exp(0.2 * a.bias.at(q))
              + NOISE_SIGMA * random.gaussian();
          image[i] = (float) Math.max(0, Math.round(value));
        }
      }
    }
    return new Frame(frame, new int[] {slices, height, width}, image, labels);
  }

  @Override
  public void writeCase(Path root, int index, long seed) {
    String patient = caseId(index);
    Path dir = root.resolve(patient);
    List<Frame> frames = render(index, seed);
    for (Frame f : frames) {
      String id = frameId(index, f.frame());
      SyntheticFiles.writeNifti(dir.resolve(id + ".nii.gz"), f.image(), f.shape(), SPACING_XYZ,
          SyntheticFiles.INT16);
      SyntheticFiles.writeNifti(dir.resolve(id + "_gt.nii.gz"), SyntheticFiles.toFloats(f.labels()),
          f.shape(), SPACING_XYZ, SyntheticFiles.UINT8);
    }
    String info = "ED: " + frames.get(0).frame() + "\nES: " + frames.get(1).frame()
        + "\nGroup: SYN\nNbFrame: 30\nNbSlices: " + slices + "\n";
    SyntheticFiles.writeText(dir.resolve("Info.cfg"), info);
  }

  @Override
  public DatasetInfo describe(int cases, long seed) {
    Map<String, String> e = new LinkedHashMap<>();
    e.put("kind", kind());
    e.put("layout", "acdc");
    e.put("classes", Integer.toString(CLASSES.size()));
    for (int c = 0; c < CLASSES.size(); c++) {
      e.put("class." + c, CLASSES.get(c));
    }
    e.put("channels", "1");
    e.put("size", slices + "x" + height + "x" + width);
    e.put("spacing_xyz", SPACING_XYZ[0] + "," + SPACING_XYZ[1] + "," + SPACING_XYZ[2]);
    e.put("cases", Integer.toString(cases));
    e.put("seed", Long.toString(seed));
    return DatasetInfo.of(e);
  }

  @Override
  public SegmentationDataset open(Path root) {
    return new AcdcLayout(root);
  }
}
