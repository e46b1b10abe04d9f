package org.delineo.training.data.pipeline;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.delineo.training.config.ConfigException;
import org.delineo.training.data.augment.Fill;
import org.delineo.training.data.augment.RandomCrop;

/**
 * What happens when {@code data.crop_size} is larger than some training cases. {@link RandomCrop}
 * then places the case at a random position inside the window and fills the rest with {@link
 * Fill#defaultFor}: 2D samples (images and slices of volumes) get image 0 and label 255, volumes
 * get image 0 and label 0 (background). The image value is raw, before the mean / std
 * normalisation of the graph.
 *
 * <p>That is well defined, so it is a warning, except in one case: 2D padding labels are 255
 * whatever {@code data.ignore_index} says, so with another ignore index the padded pixels would be
 * trained as a class 255 that does not exist; that is an error.
 */
public final class CropSizeCheck {
  private CropSizeCheck() {}

  /**
   * The warning to print when some training cases are smaller than the crop on some axis, or
   * empty when none is (or the sizes are unknown).
   *
   * @param crop {@code data.crop_size} ({@code [H, W]} or {@code [D, H, W]}); empty = no crop
   * @param trainSizes the training cases' spatial sizes ({@link DatasetCheck.Report#trainSizes()})
   * @param ignoreIndex {@code data.ignore_index}
   * @param rescaled whether a random rescale runs before the crop (sizes are then approximate)
   * @throws ConfigException when 2D labels would be padded with 255 that is not the ignore index
   */
  public static Optional<String> warning(List<Integer> crop, List<int[]> trainSizes,
      int ignoreIndex, boolean rescaled) {
    if (crop.isEmpty() || trainSizes.isEmpty() || trainSizes.get(0).length != crop.size()) {
      return Optional.empty();
    }
    int axes = crop.size();
    int smaller = 0;
    int[] smallest = new int[axes];
    Arrays.fill(smallest, Integer.MAX_VALUE);
    boolean[] tooSmall = new boolean[axes];
    for (int[] size : trainSizes) {
      boolean any = false;
      for (int a = 0; a < axes; a++) {
        smallest[a] = Math.min(smallest[a], size[a]);
        if (size[a] < crop.get(a)) {
          tooSmall[a] = true;
          any = true;
        }
      }
      smaller += any ? 1 : 0;
    }
    if (smaller == 0) {
      return Optional.empty();
    }
    String[] names = axes == 2 ? new String[] {"H", "W"} : new String[] {"D", "H", "W"};
    StringBuilder where = new StringBuilder();
    for (int a = 0; a < axes; a++) {
      if (tooSmall[a]) {
        where.append(where.length() == 0 ? "" : ", ").append(names[a]).append(" (smallest ")
            .append(smallest[a]).append(" < ").append(crop.get(a)).append(')');
      }
    }
    Fill fill = Fill.forSpatialRank(axes);
    String cases = "data.crop_size " + crop + " is larger than " + smaller + " of "
        + trainSizes.size() + " training cases along " + where
        + (rescaled ? " before the random rescale" : "");
    if (axes == 2 && fill.label() != ignoreIndex) {
      throw new ConfigException(cases + ": the crop pads labels with " + fill.label()
          + ", which is not data.ignore_index (" + ignoreIndex + "), so padded pixels would be"
          + " trained as class " + fill.label() + "; use a smaller data.crop_size or"
          + " data.ignore_index: " + fill.label());
    }
    String label = axes == 2 ? fill.label() + " (data.ignore_index: ignored by losses and metrics)"
        : fill.label() + " (background, which the loss counts)";
    return Optional.of("warning: " + cases + "; the crop pads the image with "
        + fmt(fill.image()) + " (raw value, before mean/std normalisation) and the label with "
        + label);
  }

  private static String fmt(float v) {
    return v == Math.rint(v) ? Integer.toString((int) v) : Float.toString(v);
  }
}
