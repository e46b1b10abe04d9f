package org.delineo.training.data;

import java.nio.file.Path;
import java.util.List;

/**
 * A labelled segmentation dataset on disk: its cases per split and a way to decode one of them
 * into a {@link Sample}. Implementations are layouts (Cityscapes-style folders, BraTS cases, ACDC
 * patients); synthetic data is written in those layouts, so it is read through them too.
 *
 * <p>Implementations index their files when constructed and are immutable afterwards, so {@link
 * #load} may be called from several loader threads at once.
 */
public interface SegmentationDataset {

  /** A short name for logs and errors, e.g. {@code brats:/data/brats}. */
  String name();

  /** The sample ids of a split, sorted; empty when the split has no cases. */
  List<String> ids(Split split);

  /**
   * Decodes one sample with the project's readers.
   *
   * @throws org.delineo.graph.DelineoException when the id is unknown or a file is missing,
   *     unreadable or of the wrong shape (the message names the file)
   */
  Sample load(String id);

  /**
   * The files sample {@code id} is read from, image first (the first modality when there are
   * several), then the other images and the label file; all share one spatial size. A file the
   * layout expects but cannot find is listed at the path it looked for, so a check reports it
   * missing. Lets {@link DatasetCheck} check a split's files before training without decoding
   * them; datasets not read from files (in-memory test datasets) list none.
   *
   * @throws org.delineo.graph.DelineoException when the id is unknown
   */
  default List<Path> files(String id) {
    return List.of();
  }

  /** Number of classes a model predicts (the ignore label, if any, is not counted). */
  int numClasses();

  /** Image channels (modalities) of every sample. */
  int channels();

  /** Whether samples are volumes {@code [D, H, W, C]} rather than images {@code [H, W, C]}. */
  boolean is3d();

  /**
   * The case (patient) a sample belongs to, so that splits and labeled subsets keep all samples of
   * one case together; by default every sample is its own case.
   */
  default String caseOf(String id) {
    return id;
  }
}
