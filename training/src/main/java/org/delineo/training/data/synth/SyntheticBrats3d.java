package org.delineo.training.data.synth;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.BratsLayout;
import org.delineo.training.data.DatasetInfo;
import org.delineo.training.data.SegmentationDataset;

/**
 * Synthetic BraTS stand-in: four-modality brain-tumour phantoms written in the {@link BratsLayout}
 * ({@code <case>/<case>_{flair,t1ce,t1,t2}.nii.gz} as int16, {@code <case>_seg.nii.gz} as uint8).
 *
 * <p>Anatomy: a skull-stripped brain ellipsoid with an irregular outline (zero outside, like BraTS)
 * and a smooth grey/white-matter texture. Inside it one tumour, nested as in BraTS: necrosis (1)
 * at the centre, an enhancing ring (4) around it, and peritumoral edema (2) around the core, all
 * with irregular outlines. The nesting is enforced voxel by voxel: no necrosis voxel touches edema
 * or background and no core voxel (1 or 4) touches background (6-neighbourhood).
 *
 * <p>Contrast, relative to normal tissue, is what makes each modality necessary: FLAIR is bright
 * on edema; T1ce is bright on the enhancing ring and dark on necrosis; T1 is dark on the core; T2
 * is bright on edema and necrosis (see {@link #MEAN_INTENSITY}). Each modality then gets a
 * per-case gain, a smooth multiplicative bias field (up to about ±20 %) and Gaussian noise (sigma
 * 30 on a tissue level of about 450), and is stored as int16.
 */
public final class SyntheticBrats3d implements SyntheticGenerator {
  /** Default edge length of the cubic volumes. */
  public static final int DEFAULT_SIZE = 48;
  /** Label of necrosis / non-enhancing core, as in BraTS. */
  public static final int NECROSIS = 1;
  /** Label of peritumoral edema. */
  public static final int EDEMA = 2;
  /** Label of enhancing tumour. */
  public static final int ENHANCING = 4;
  /**
   * Mean intensity before gain, bias and noise, per modality (rows in {@link
   * BratsLayout#MODALITIES} order: flair, t1ce, t1, t2) and region (columns: healthy tissue,
   * edema, enhancing, necrosis). Outside the brain is 0.
   */
  public static final double[][] MEAN_INTENSITY = {
    {450, 900, 650, 550},
    {450, 450, 950, 200},
    {550, 450, 300, 200},
    {400, 800, 550, 900},
  };

  private static final long SALT = 0xB7A75L;
  private static final double NOISE_SIGMA = 30;

  /**
   * One phantom.
   *
   * @param shape {@code [D, H, W]}
   * @param modalities one row-major {@code [D, H, W]} array per modality, integer-valued
   * @param labels row-major {@code [D, H, W]} labels in {0, 1, 2, 4}
   */
  public record Phantom(int[] shape, float[][] modalities, int[] labels) {}

  private final int depth;
  private final int height;
  private final int width;

  /** Phantoms of {@value #DEFAULT_SIZE}^3 voxels. */
  public SyntheticBrats3d() {
    this(DEFAULT_SIZE, DEFAULT_SIZE, DEFAULT_SIZE);
  }

  /**
   * Phantoms of {@code [D, H, W]} voxels.
   *
   * @throws DelineoException when a side is below 24 (the tumour's shells would be too thin)
   */
  public SyntheticBrats3d(int depth, int height, int width) {
    if (depth < 24 || height < 24 || width < 24) {
      throw new DelineoException("synthetic BraTS: each side must be at least 24 voxels, found "
          + depth + "x" + height + "x" + width);
    }
    this.depth = depth;
    this.height = height;
    this.width = width;
  }

  @Override
  public String kind() {
    return "brats3d";
  }

  @Override
  public String caseId(int index) {
    return String.format("SynBraTS_%05d", index);
  }

  @Override
  public List<String> sampleIds(int index, long seed) {
    return List.of(caseId(index));
  }

  /** Renders phantom {@code index} of a dataset generated with {@code seed}. */
  public Phantom render(int index, long seed) {
    CaseRandom random = CaseRandom.of(seed, index, SALT);
    int[] dims = {depth, height, width};
    int n = depth * height * width;
    double minSide = Math.min(depth, Math.min(height, width));

    // Brain: an ellipsoid with a wavy outline.
    double[] brainCentre = new double[3];
    double[] brainRadii = new double[3];
    for (int a = 0; a < 3; a++) {
      brainCentre[a] = dims[a] / 2.0 + random.uniform(-0.03, 0.03) * dims[a];
      brainRadii[a] = random.uniform(0.39, 0.46) * dims[a];
    }
    SmoothField brainEdge = SmoothField.random(random, 3, 4, 1.0);

    // Tumour: radii, then a centre that keeps the core (which ends by 0.81 of the tumour radius)
    // inside the brain; the edema may reach the brain's edge and is cut there, as in real scans.
    double edemaRadius = random.uniform(0.15, 0.24) * minSide;
    double[] tumourRadii = new double[3];
    double maxCoreExtent = 0;
    for (int a = 0; a < 3; a++) {
      tumourRadii[a] = edemaRadius * random.uniform(0.85, 1.15);
      maxCoreExtent = Math.max(maxCoreExtent, tumourRadii[a] * 0.81);
    }
    double minBrainRadius = 0.95 * Math.min(brainRadii[0], Math.min(brainRadii[1], brainRadii[2]));
    double room = Math.max(0, 1 - maxCoreExtent / minBrainRadius - 0.08);
    double[] direction = {random.gaussian(), random.gaussian(), random.gaussian()};
    double norm = Math.sqrt(dot(direction, direction));
    double offset = room * Math.sqrt(random.nextDouble());
    double[] tumourCentre = new double[3];
    for (int a = 0; a < 3; a++) {
      tumourCentre[a] = brainCentre[a] + brainRadii[a] * offset * direction[a] / norm;
    }
    SmoothField outerEdge = SmoothField.random(random, 3, 4, 0.8);
    SmoothField coreEdge = SmoothField.random(random, 3, 4, 0.8);
    SmoothField necrosisEdge = SmoothField.random(random, 3, 4, 0.8);

    boolean[] brain = new boolean[n];
    int[] labels = new int[n];
    for (int z = 0; z < depth; z++) {
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          int i = (z * height + y) * width + x;
          double[] p = {z + 0.5, y + 0.5, x + 0.5};
          double[] u = normalised(p, brainCentre, brainRadii);
          double rb = Math.sqrt(dot(u, u));
          brain[i] = rb <= 1 + 0.05 * brainEdge.at(u);
          if (!brain[i]) {
            continue;
          }
          double[] t = normalised(p, tumourCentre, tumourRadii);
          double rt = Math.sqrt(dot(t, t));
          double[] dir = rt > 0 ? new double[] {t[0] / rt, t[1] / rt, t[2] / rt} : t;
          if (rt < 0.47 + 0.05 * necrosisEdge.at(dir)) {
            labels[i] = NECROSIS;
          } else if (rt < 0.76 + 0.05 * coreEdge.at(dir)) {
            labels[i] = ENHANCING;
          } else if (rt < 1.0 + 0.1 * outerEdge.at(dir)) {
            labels[i] = EDEMA;
          }
        }
      }
    }
    enforceNesting(labels, dims);

    SmoothField texture = SmoothField.random(random, 3, 5, 3.0);
    // White matter is bright on T1 and dark on T2/FLAIR: the texture's sign per modality.
    double[] textureSign = {-0.5, 1.0, 1.0, -1.0};
    float[][] modalities = new float[4][n];
    for (int m = 0; m < 4; m++) {
      double gain = random.uniform(0.8, 1.25);
      SmoothField bias = SmoothField.random(random, 3, 3, 0.7);
      SmoothField heterogeneity = SmoothField.random(random, 3, 4, 4.0);
      for (int z = 0; z < depth; z++) {
        for (int y = 0; y < height; y++) {
          for (int x = 0; x < width; x++) {
            int i = (z * height + y) * width + x;
            if (!brain[i]) {
              continue;
            }
            double[] q = {(z + 0.5) / depth, (y + 0.5) / height, (x + 0.5) / width};
            int region = region(labels[i]);
            double variation = region == 0
                ? 0.08 * textureSign[m] * texture.at(q)
                : 0.06 * heterogeneity.at(q);
            double value = MEAN_INTENSITY[m][region] * (1 + variation) * gain
                * StrictMath.exp(0.18 * bias.at(q)) + NOISE_SIGMA * random.gaussian();
            // At least 1 so that the brain stays distinguishable from the zero background.
            modalities[m][i] = (float) Math.max(1, Math.round(value));
          }
        }
      }
    }
    return new Phantom(dims, modalities, labels);
  }

  @Override
  public void writeCase(Path root, int index, long seed) {
    Phantom phantom = render(index, seed);
    String id = caseId(index);
    Path dir = root.resolve(id);
    double[] spacing = {1, 1, 1};
    for (int m = 0; m < BratsLayout.MODALITIES.size(); m++) {
      SyntheticFiles.writeNifti(dir.resolve(id + "_" + BratsLayout.MODALITIES.get(m) + ".nii.gz"),
          phantom.modalities()[m], phantom.shape(), spacing, SyntheticFiles.INT16);
    }
    SyntheticFiles.writeNifti(dir.resolve(id + "_" + BratsLayout.SEGMENTATION + ".nii.gz"),
        SyntheticFiles.toFloats(phantom.labels()), phantom.shape(), spacing,
        SyntheticFiles.UINT8);
  }

  @Override
  public DatasetInfo describe(int cases, long seed) {
    Map<String, String> e = new LinkedHashMap<>();
    e.put("kind", kind());
    e.put("layout", "brats");
    e.put("classes", "4");
    e.put("class.0", "background (label 0)");
    e.put("class.1", "necrosis / non-enhancing core (label 1)");
    e.put("class.2", "edema (label 2)");
    e.put("class.3", "enhancing tumour (stored label 4)");
    e.put("labels", "0,1,2,4");
    e.put("channels", "4");
    e.put("modalities", String.join(",", BratsLayout.MODALITIES));
    e.put("size", depth + "x" + height + "x" + width);
    e.put("cases", Integer.toString(cases));
    e.put("seed", Long.toString(seed));
    return DatasetInfo.of(e);
  }

  @Override
  public SegmentationDataset open(Path root) {
    return new BratsLayout(root);
  }

  /** Column of {@link #MEAN_INTENSITY} for a label. */
  private static int region(int label) {
    switch (label) {
      case EDEMA:
        return 1;
      case ENHANCING:
        return 2;
      case NECROSIS:
        return 3;
      default:
        return 0;
    }
  }

  /**
   * Demotes voxels until the BraTS nesting holds: necrosis touching edema or background becomes
   * enhancing, a core voxel touching background becomes edema. Each demotion moves a voxel
   * outwards one shell, so the loop ends.
   */
  private static void enforceNesting(int[] labels, int[] dims) {
    boolean changed = true;
    while (changed) {
      changed = false;
      for (int i = 0; i < labels.length; i++) {
        int label = labels[i];
        if (label == NECROSIS && touches(labels, dims, i, 0, EDEMA)) {
          labels[i] = ENHANCING;
          changed = true;
        } else if ((label == ENHANCING || label == NECROSIS) && touches(labels, dims, i, 0, 0)) {
          labels[i] = EDEMA;
          changed = true;
        }
      }
    }
  }

  /** Whether a 6-neighbour of voxel {@code i} (or the outside of the volume) has label a or b. */
  private static boolean touches(int[] labels, int[] dims, int i, int a, int b) {
    int x = i % dims[2];
    int y = (i / dims[2]) % dims[1];
    int z = i / (dims[2] * dims[1]);
    int[][] steps = {{-1, 0, 0}, {1, 0, 0}, {0, -1, 0}, {0, 1, 0}, {0, 0, -1}, {0, 0, 1}};
    for (int[] s : steps) {
      int zz = z + s[0];
      int yy = y + s[1];
      int xx = x + s[2];
      if (zz < 0 || yy < 0 || xx < 0 || zz >= dims[0] || yy >= dims[1] || xx >= dims[2]) {
        if (a == 0 || b == 0) {
          return true;
        }
        continue;
      }
      int neighbour = labels[(zz * dims[1] + yy) * dims[2] + xx];
      if (neighbour == a || neighbour == b) {
        return true;
      }
    }
    return false;
  }

  private static double[] normalised(double[] p, double[] centre, double[] radii) {
    return new double[] {
      (p[0] - centre[0]) / radii[0], (p[1] - centre[1]) / radii[1], (p[2] - centre[2]) / radii[2]
    };
  }

  private static double dot(double[] a, double[] b) {
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  }
}
