package org.delineo.training.data.synth;

import java.nio.file.Path;
import java.util.List;
import org.delineo.training.data.DatasetInfo;
import org.delineo.training.data.SegmentationDataset;

/**
 * A deterministic generator of synthetic cases written as real files in one of the dataset
 * layouts. Case {@code i} depends only on (seed, i), so cases can be written in any order or in
 * parallel and regenerated alone.
 */
public interface SyntheticGenerator {

  /** The name {@link SyntheticData} knows it by, e.g. {@code scenes2d}. */
  String kind();

  /** The case (image, BraTS case, ACDC patient) name of index {@code index}. */
  String caseId(int index);

  /**
   * The sample ids case {@code index} produces with {@code seed}: one, or one per frame for
   * ACDC-style patients.
   */
  List<String> sampleIds(int index, long seed);

  /** Writes case {@code index} under the dataset root, creating folders as needed. */
  void writeCase(Path root, int index, long seed);

  /** The {@code dataset.txt} entries for a dataset of {@code cases} cases. */
  DatasetInfo describe(int cases, long seed);

  /** Opens a dataset this generator wrote, through its layout. */
  SegmentationDataset open(Path root);
}
