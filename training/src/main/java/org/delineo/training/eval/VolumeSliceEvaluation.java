package org.delineo.training.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.Sample;
import org.delineo.training.data.SliceDataset;
import org.delineo.training.metrics.EmptyMaskRule;
import org.delineo.training.metrics.PerClassVolumeMetrics;
import org.delineo.training.metrics.VoxelGrid;
import org.tensorflow.Session;

/**
 * Per-volume evaluation of a 2D model on sliced volumes (ACDC, PROMISE12): every slice of a volume
 * is predicted on its own, the predictions are stacked back into the volume, and Dice, HD95, ASD
 * and ASSD are computed per foreground class against the volume's labels with the volume's own
 * voxel spacing from its header (not SSL4MIS's assumed [10, 1, 1] mm); metrics are averaged over
 * volumes.
 */
public final class VolumeSliceEvaluation {
  private final Evaluator slices;
  private final int classes;
  private final EmptyMaskRule rule;

  /**
   * @param slices predicts one slice (whole or sliding window)
   * @param rule how an empty prediction or reference is scored
   */
  public VolumeSliceEvaluation(Evaluator slices, int classes, EmptyMaskRule rule) {
    this.slices = slices;
    this.classes = classes;
    this.rule = rule;
  }

  /** Metrics over the volumes the slice ids {@code ids} belong to (every slice of each is used). */
  public PerClassVolumeMetrics evaluate(Session session, SliceDataset dataset, List<String> ids) {
    Map<String, List<String>> byVolume = new LinkedHashMap<>();
    for (String id : ids) {
      byVolume.computeIfAbsent(SliceDataset.volumeOf(id), v -> new ArrayList<>()).add(id);
    }
    List<Integer> foreground = new ArrayList<>();
    for (int c = 1; c < classes; c++) {
      foreground.add(c);
    }
    PerClassVolumeMetrics metrics = new PerClassVolumeMetrics(foreground, rule);
    for (Map.Entry<String, List<String>> volume : byVolume.entrySet()) {
      Sample reference = dataset.volumes().load(volume.getKey());
      int[] shape = reference.labelShape();
      int sliceSize = shape[1] * shape[2];
      if (volume.getValue().size() != shape[0]) {
        throw new DelineoException("volume '" + volume.getKey() + "': expected " + shape[0] + " slices, found "
            + volume.getValue().size() + " in the split");
      }
      int[] prediction = new int[reference.label().length];
      for (String sliceId : volume.getValue()) {
        int[] p = slices.predict(session, dataset.load(sliceId));
        if (p.length != sliceSize) {
          throw new DelineoException("slice '" + sliceId + "': expected " + sliceSize + " predictions, found " + p.length);
        }
        System.arraycopy(p, 0, prediction, SliceDataset.sliceOf(sliceId) * sliceSize, sliceSize);
      }
      metrics.add(volume.getKey(), prediction, reference.label(), new VoxelGrid(shape, reference.spacing()));
    }
    return metrics;
  }
}
