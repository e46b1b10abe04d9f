package org.delineo.training.data.pipeline;

import org.delineo.training.data.Sample;
import java.util.SplittableRandom;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.augment.Augmentation;
import org.delineo.training.data.augment.CutMixBox;
import org.delineo.training.data.augment.NearestResize;

/**
 * The views of FixMatch / UniMatch / SemSim training for one 2D sample: a weak view (random
 * geometry, then a nearest-neighbour resize to the training size) and, for unlabeled samples, two
 * strong views of that weak view (each an independent draw of the strong photometric pipeline,
 * e.g. colour jitter p 0.8 and Gaussian blur p 0.5) with one CutMix mask each. Labeled samples get
 * only the weak view, with their labels; unlabeled views carry no labels.
 *
 * <p>Everything is deterministic from the seed passed per sample: the weak view, each strong view
 * and each CutMix mask draw from their own {@link SplittableRandom} seeded from (seed, role), so
 * changing one pipeline does not shift the draws of the others. Thread-safe.
 */
public final class SemiSupervisedViews {
  private static final long WEAK = 0x5745414bL;
  private static final long STRONG = 0x5354524fL;
  private static final long CUTMIX = 0x4355544dL;

  /**
   * The views of one sample.
   *
   * @param weak the weak view {@code [H, W, C]} (labeled for labeled samples)
   * @param strong1 first strong view of {@code weak}, or null for labeled samples
   * @param strong2 second, independent strong view, or null for labeled samples
   * @param cutmix1 CutMix mask {@code [H, W]} of strong view 1 (1 = take the mix sample), or null
   * @param cutmix2 CutMix mask of strong view 2, or null
   */
  public record Views(Sample weak, Sample strong1, Sample strong2, float[] cutmix1, float[] cutmix2) {
    /** Whether this is a labeled sample's weak-only view set. */
    public boolean labeledOnly() {
      return strong1 == null;
    }
  }

  private final Augmentation weakGeometry;
  private final int height;
  private final int width;
  private final Augmentation strong;
  private final CutMixBox cutmix;

  /**
   * Views with this weak geometry, resized to {@code height x width}, and this strong pipeline and
   * CutMix generator.
   */
  public SemiSupervisedViews(Augmentation weakGeometry, int height, int width, Augmentation strong,
      CutMixBox cutmix) {
    if (height < 1 || width < 1) {
      throw new DelineoException("SemiSupervisedViews: expected a positive training size, found "
          + height + "x" + width);
    }
    this.weakGeometry = weakGeometry;
    this.height = height;
    this.width = width;
    this.strong = strong;
    this.cutmix = cutmix;
  }

  /** The weak view of a labeled sample, with its labels. */
  public Views labeled(Sample sample, long seed) {
    if (!sample.labeled()) {
      throw new DelineoException(sample.id() + ": a labeled view needs a sample with labels");
    }
    return new Views(weak(sample, seed), null, null, null, null);
  }

  /** Weak view, two strong views and two CutMix masks of an unlabeled sample (labels dropped). */
  public Views unlabeled(Sample sample, long seed) {
    Sample unlabeled = sample.labeled()
        ? new Sample(sample.id(), sample.image(), sample.imageShape(), null, null, sample.spacing())
        : sample;
    Sample weak = weak(unlabeled, seed);
    Sample s1 = strong.apply(weak, new SplittableRandom(Seeds.mix(seed, STRONG, 1)));
    Sample s2 = strong.apply(weak, new SplittableRandom(Seeds.mix(seed, STRONG, 2)));
    float[] m1 = cutmix.mask(height, width, new SplittableRandom(Seeds.mix(seed, CUTMIX, 1)));
    float[] m2 = cutmix.mask(height, width, new SplittableRandom(Seeds.mix(seed, CUTMIX, 2)));
    return new Views(weak, s1, s2, m1, m2);
  }

  private Sample weak(Sample sample, long seed) {
    Sample geometric = weakGeometry.apply(sample, new SplittableRandom(Seeds.mix(seed, WEAK)));
    return NearestResize.resize(geometric, height, width);
  }
}
