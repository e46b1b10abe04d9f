package org.delineo.training.data.brats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.delineo.proto.ExperimentConfig;
import org.delineo.training.config.ExperimentConfigLoader;
import org.delineo.training.data.Sample;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.delineo.training.data.augment.Augmentation;
import org.delineo.training.data.augment.AugmentationFactory;
import org.delineo.training.data.augment.Compose;
import org.delineo.training.data.augment.IntensityShiftScale;
import org.delineo.training.data.pipeline.Batch;
import org.delineo.training.data.pipeline.BatchLoader;
import org.delineo.training.data.pipeline.LoaderPosition;
import org.delineo.training.strategy.ModalityMaskSource;
import org.delineo.training.strategy.TrainingData;
import org.junit.jupiter.api.Test;

/**
 * Issue 18 §1: image and labels stay aligned voxel for voxel through the 3D training path of
 * {@code configs/prism/synthetic_quick.pbtxt} (random 32³ crop, rotation of up to 10° in a random
 * plane with fill, per-modality intensity scale / shift, flips of every axis), as the training loader
 * delivers batches. Volumes are non-cubic (40 × 44 × 48) and their labels are drawn at random per
 * voxel, so a one-voxel offset between image and label anywhere breaks the checks.
 */
class BratsTrainingBatchAlignmentTest {
  private static final int D = 40;
  private static final int H = 44;
  private static final int W = 48;
  private static final int CROP = 32;

  /** Image channel c of a voxel with label l: 10 l + c + 5, so the label is a function of every channel. */
  private static float code(int label, int channel) {
    return 10 * label + channel + 5;
  }

  /** Random labels 0..3 per voxel; image channel c = {@link #code}. */
  private static Sample labelCoded(String id, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int n = D * H * W;
    int[] label = new int[n];
    float[] image = new float[n * 4];
    for (int v = 0; v < n; v++) {
      label[v] = r.nextInt(4);
      for (int c = 0; c < 4; c++) {
        image[v * 4 + c] = code(label[v], c);
      }
    }
    return new Sample(id, image, new int[] {D, H, W, 4}, label, new int[] {D, H, W}, new double[] {1, 1, 1});
  }

  /** Random labels 0..3; channel 0 codes the voxel's position (1 + index), channels 1..3 its label. */
  private static Sample positionCoded(long seed) {
    Sample s = labelCoded("position", seed);
    float[] image = s.image().clone();
    for (int v = 0; v < D * H * W; v++) {
      image[v * 4] = v + 1; // exact in float32: below 2^24
    }
    return new Sample(s.id(), image, s.imageShape(), s.label(), s.labelShape(), s.spacing());
  }

  private static final class CodedVolumes implements SegmentationDataset {
    @Override
    public String name() {
      return "coded";
    }

    @Override
    public List<String> ids(Split split) {
      return split == Split.TRAIN ? List.of("a", "b", "c", "d") : List.of();
    }

    @Override
    public Sample load(String id) {
      return labelCoded(id, id.charAt(0));
    }

    @Override
    public int numClasses() {
      return 4;
    }

    @Override
    public int channels() {
      return 4;
    }

    @Override
    public boolean is3d() {
      return true;
    }
  }

  private static ExperimentConfig quickConfig() {
    return ExperimentConfigLoader.load(Path.of("..", "configs", "prism", "synthetic_quick.pbtxt"), List.of());
  }

  /**
   * Every sample of 24 training batches (the quick config's loader: batch 2, two workers): per
   * channel, the voxels' values map to one label each (label = f(image)), the values of labels
   * 0 < 1 < 2 < 3 increase with the label as the code does (scale factors are positive), and only
   * rotation fill, smaller than every code, may join label 0 as a fifth value.
   */
  @Test
  void quickConfigTrainingBatchesKeepLabelAFunctionOfTheImage() {
    ExperimentConfig config = quickConfig();
    TrainingData data = new TrainingData(config, new CodedVolumes(), ModalityMaskSource.all(4));
    int fills = 0;
    try (BatchLoader loader = data.trainLoader(new LoaderPosition(0, 0))) {
      for (int b = 0; b < 24; b++) {
        Batch batch = loader.next();
        assertArrayEquals(new int[] {2, CROP, CROP, CROP, 4}, batch.imageShape());
        assertArrayEquals(new int[] {2, CROP, CROP, CROP}, batch.labelShape());
        int voxels = CROP * CROP * CROP;
        for (int s = 0; s < 2; s++) {
          for (int c = 0; c < 4; c++) {
            Map<Float, Integer> labelOf = new TreeMap<>();
            for (int v = 0; v < voxels; v++) {
              float value = batch.images()[(s * voxels + v) * 4 + c];
              int label = batch.labels()[s * voxels + v];
              Integer previous = labelOf.put(value, label);
              if (previous != null && previous != label) {
                throw new AssertionError("batch " + b + " sample " + s + " channel " + c + ": value " + value
                    + " carries labels " + previous + " and " + label);
              }
            }
            List<Integer> byValue = new ArrayList<>(labelOf.values());
            if (byValue.size() == 5) {
              assertEquals(0, byValue.remove(0), "rotation fill (below every code) is background");
              fills++;
            }
            assertEquals(List.of(0, 1, 2, 3), byValue, "batch " + b + " sample " + s + " channel " + c);
          }
        }
      }
    }
    assertTrue(fills > 0, "some draw rotated enough to fill corners, so the check saw the fill");
  }

  /**
   * The geometric steps of the quick config's chain (crop, rotation, flips; the intensity step is
   * checked above) applied one after the other to a volume whose channel 0 is each voxel's position:
   * after every step, each voxel's label is the original label at the position its image carries,
   * and voxels filled by the rotation are background.
   */
  @Test
  void everyGeometricStepMovesLabelAndImageTogether() {
    Augmentation chain = AugmentationFactory.training(quickConfig().getData(), true);
    List<Augmentation> steps = ((Compose) chain).steps();
    assertEquals(4, steps.size(), "crop, rotation, intensity, flips: " + steps);
    Sample original = positionCoded(11);
    int moved = 0;
    for (long draw = 0; draw < 12; draw++) {
      SplittableRandom rng = new SplittableRandom(draw);
      Sample s = original;
      for (Augmentation step : steps) {
        if (step instanceof IntensityShiftScale) {
          continue;
        }
        s = step.apply(s, rng);
        float[] image = s.image();
        int[] label = s.label();
        for (int v = 0; v < label.length; v++) {
          float position = image[v * 4];
          if (position < 1) { // the rotation's fill (-1 in every channel)
            if (label[v] != 0) {
              throw new AssertionError("draw " + draw + ": filled voxel " + v + " has label " + label[v]);
            }
            continue;
          }
          int source = (int) position - 1;
          if (label[v] != original.label()[source]) {
            throw new AssertionError("draw " + draw + " after " + step.getClass().getSimpleName() + ": voxel " + v
                + " shows position " + source + " (label " + original.label()[source] + ") but has label "
                + label[v]);
          }
          for (int c = 1; c < 4; c++) {
            if (image[v * 4 + c] != code(label[v], c)) {
              throw new AssertionError("draw " + draw + ": channel " + c + " of voxel " + v + " did not move with"
                  + " channel 0");
            }
          }
        }
      }
      moved += isTranslation(s) ? 0 : 1;
    }
    assertTrue(moved > 0, "flips or rotations moved voxels in some draw, so the checks saw them");
  }

  /** Whether {@code s}'s positions are those of a plain crop of the original (no flip, no rotation). */
  private static boolean isTranslation(Sample s) {
    int[] shape = s.imageShape();
    float origin = s.image()[0];
    for (int z = 0; z < shape[0]; z++) {
      for (int y = 0; y < shape[1]; y++) {
        for (int x = 0; x < shape[2]; x++) {
          float expected = origin + (z * H + y) * W + x;
          if (s.image()[((z * shape[1] + y) * shape[2] + x) * 4] != expected) {
            return false;
          }
        }
      }
    }
    return true;
  }
}
