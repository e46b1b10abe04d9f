package org.delineo.training.data.brats;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.training.data.BratsLayout;
import org.delineo.training.data.io.NiftiReader;
import org.delineo.training.data.io.NiftiVolume;

/**
 * One BraTS case directory, {@code <case>/<case>_{flair,t1ce,t1,t2}.nii.gz} (or {@code .nii}), as
 * the input of a multi-modal model ({@code delineo predict}): the available modalities, raw, stacked
 * as channels in {@link BratsLayout#MODALITIES} order (all of one shape), an unavailable one as
 * zeros (as training zeroes a missing modality) with its flag false in {@link #mask()}.
 *
 * @param dir the case directory
 * @param id the case id, the directory's name
 * @param reference the first available modality, whose grid (affine, spacing) the labels take
 * @param image {@code [D, H, W, 4]} row-major
 * @param shape {@code {D, H, W, 4}}
 * @param mask one flag per modality, false = unavailable; null when all are available, so that
 *     exports without {@code modality_mask} (4-channel models) take the case too
 * @param missing the unavailable modalities' names
 */
public record BratsCaseInput(Path dir, String id, NiftiVolume reference, float[] image, int[] shape, boolean[] mask,
    List<String> missing) {

  /**
   * Reads a case.
   *
   * @param available one flag per modality of {@link BratsLayout#MODALITIES}: false = unavailable,
   *     not read even where its file exists
   * @param allowMissing whether an available modality without a file counts as unavailable
   *     (else it is an error)
   * @throws DelineoException if a required file is missing, no modality is left, or the volumes
   *     are not 3-D of one shape
   */
  public static BratsCaseInput read(Path dir, boolean[] available, boolean allowMissing) {
    String id = dir.getFileName().toString();
    List<String> names = BratsLayout.MODALITIES;
    NiftiVolume[] volumes = new NiftiVolume[names.size()];
    Path[] files = new Path[names.size()];
    int first = -1;
    for (int m = 0; m < names.size(); m++) {
      if (!available[m]) {
        continue;
      }
      Optional<Path> file = BratsLayout.findCaseFile(dir, id, names.get(m));
      if (file.isEmpty()) {
        if (allowMissing) {
          continue;
        }
        throw new DelineoException("BraTS case " + dir + ": missing " + names.get(m) + " file "
            + dir.resolve(id + "_" + names.get(m) + ".nii.gz") + " (or .nii); expected "
            + String.join(", ", names) + " (give --allow-missing or --modalities to predict without it)");
      }
      files[m] = file.get();
      volumes[m] = NiftiReader.read(files[m]);
      if (volumes[m].rank() != 3) {
        throw new ShapeMismatchException(files[m] + ": expected a 3-D volume [nx, ny, nz], found dims "
            + Arrays.toString(volumes[m].dims()));
      }
      if (first < 0) {
        first = m;
      } else if (!Arrays.equals(volumes[m].dims(), volumes[first].dims())) {
        throw new ShapeMismatchException(files[m] + ": expected dims " + Arrays.toString(volumes[first].dims())
            + " like " + files[first] + ", found " + Arrays.toString(volumes[m].dims())
            + " (all modalities of a case must share one shape)");
      }
    }
    if (first < 0) {
      throw new DelineoException("BraTS case " + dir + ": no modality available; expected files "
          + id + "_{" + String.join(",", names) + "}.nii.gz" + (allowMissing ? "" : " among those declared"));
    }
    NiftiVolume reference = volumes[first];
    int[] s = reference.rowMajorShape();
    int voxels = reference.data().length;
    int channels = names.size();
    float[] image = new float[voxels * channels];
    boolean[] mask = new boolean[channels];
    List<String> missing = new ArrayList<>();
    for (int m = 0; m < channels; m++) {
      mask[m] = volumes[m] != null;
      if (!mask[m]) {
        missing.add(names.get(m));
        continue; // zeros
      }
      float[] data = volumes[m].data();
      for (int v = 0; v < voxels; v++) {
        image[v * channels + m] = data[v];
      }
    }
    return new BratsCaseInput(dir, id, reference, image, new int[] {s[0], s[1], s[2], channels},
        missing.isEmpty() ? null : mask, List.copyOf(missing));
  }

  /**
   * A model's class ids in BraTS' stored convention ({@link BratsLayout#storedLabels()}: class 3
   * becomes 4, undoing training's 4 to 3).
   *
   * @throws DelineoException if a class is outside 0..3, i.e. the model is no BraTS model
   */
  public int[] storedLabels(int[] classes) {
    int[] toStored = BratsLayout.storedLabels();
    int[] labels = new int[classes.length];
    for (int i = 0; i < classes.length; i++) {
      if (classes[i] < 0 || classes[i] >= toStored.length) {
        throw new DelineoException("BraTS case " + dir + ": the model answered class " + classes[i]
            + "; expected a BraTS model with " + toStored.length + " classes (0..3)");
      }
      labels[i] = toStored[classes[i]];
    }
    return labels;
  }
}
