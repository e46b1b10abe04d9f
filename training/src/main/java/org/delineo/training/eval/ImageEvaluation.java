package org.delineo.training.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.Sample;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.metrics.EmptyMaskRule;
import org.delineo.training.metrics.PerClassVolumeMetrics;
import org.delineo.training.metrics.VoxelGrid;
import org.tensorflow.Session;

/**
 * Per-image evaluation of a 2D model on a dataset of independent 2D images (ISIC): every image is
 * predicted on its own grid ({@link Evaluator#predict}, so {@code data.test_resize} applies) and
 * Dice, HD95, ASD and ASSD are computed per foreground class on that image, then averaged over
 * images, as SemSim / UniMatch report ISIC. Distances are in pixels (spacing 1 on both axes):
 * dermoscopy images carry no physical spacing.
 */
public final class ImageEvaluation {
  private final Evaluator images;
  private final int classes;
  private final EmptyMaskRule rule;

  /**
   * @param images predicts one image (whole or sliding window)
   * @param classes the number of classes; 1..classes-1 are scored
   * @param rule how an empty prediction or reference is scored
   */
  public ImageEvaluation(Evaluator images, int classes, EmptyMaskRule rule) {
    this.images = images;
    this.classes = classes;
    this.rule = rule;
  }

  /**
   * Metrics over the images {@code ids}.
   *
   * @throws DelineoException when an image is unlabelled or not 2D
   */
  public PerClassVolumeMetrics evaluate(Session session, SegmentationDataset dataset, List<String> ids) {
    List<Integer> foreground = new ArrayList<>();
    for (int c = 1; c < classes; c++) {
      foreground.add(c);
    }
    PerClassVolumeMetrics metrics = new PerClassVolumeMetrics(foreground, rule);
    for (String id : ids) {
      Sample s = dataset.load(id);
      if (!s.labeled() || s.labelShape().length != 2) {
        throw new DelineoException("image '" + id + "': expected a 2D label map [H, W] for per-image metrics, found "
            + (s.labeled() ? "shape " + Arrays.toString(s.labelShape()) : "no label"));
      }
      // Pixel units whatever the sample's spacing says, so the numbers match the papers' medpy calls
      // without voxelspacing.
      metrics.add(id, images.predict(session, s), s.label(), VoxelGrid.isotropic(s.labelShape()));
    }
    return metrics;
  }
}
