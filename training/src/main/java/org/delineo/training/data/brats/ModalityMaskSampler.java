package org.delineo.training.data.brats;

import java.nio.file.Path;
import java.util.SplittableRandom;
import org.delineo.graph.DelineoException;
import org.delineo.training.config.ConfigException;
import org.delineo.proto.DataConfig;
import org.delineo.proto.ModalityMaskMode;

/**
 * Chooses the available modalities of one training draw (reference-methods.md §4.5):
 *
 * <ul>
 *   <li>{@code PDT}: uniform over the 15 masks (RFNet);
 *   <li>{@code UTD}: the case's fixed mask from the split CSV (PASSION {@code idt});
 *   <li>{@code UTD_DROP}: uniform over the non-empty subsets of the case's CSV mask (PASSION
 *       {@code idt_drop}), so only modalities the case has are ever dropped;
 *   <li>{@code FULL}: all four modalities.
 * </ul>
 *
 * <p>A draw is a pure function of (seed, case id, draw counter): the caller passes a counter it
 * can replay (e.g. the sample's global position in the epoch stream), so a resumed run sees the
 * same masks and loader threads need no shared generator. Immutable and thread-safe.
 */
public final class ModalityMaskSampler {
  private final ModalityMaskMode mode;
  private final long seed;
  private final ModalitySplitCsv split; // null for PDT and FULL

  /**
   * A sampler.
   *
   * @param split the case masks; required by UTD and UTD_DROP, ignored otherwise (may be null)
   * @throws ConfigException when the mode needs a split and none is given
   */
  public ModalityMaskSampler(ModalityMaskMode mode, long seed, ModalitySplitCsv split) {
    if ((mode == ModalityMaskMode.UTD || mode == ModalityMaskMode.UTD_DROP) && split == null) {
      throw new ConfigException("field 'data.modality_split_csv': modality mask mode " + mode
          + " needs a split CSV, found none");
    }
    this.mode = mode;
    this.seed = seed;
    this.split = split;
  }

  /**
   * The sampler of {@code data.modality_mask_mode}; the split CSV is
   * {@code data.modality_split_csv} resolved against {@code data.root}.
   *
   * @throws ConfigException when UTD / UTD_DROP has no CSV configured
   * @throws DelineoException when the CSV is unreadable
   */
  public static ModalityMaskSampler fromConfig(DataConfig data, long seed) {
    ModalityMaskMode mode = data.getModalityMaskMode();
    ModalitySplitCsv split = null;
    if (mode == ModalityMaskMode.UTD || mode == ModalityMaskMode.UTD_DROP) {
      if (data.getModalitySplitCsv().isEmpty()) {
        throw new ConfigException("field 'data.modality_split_csv': modality mask mode " + mode
            + " needs the split CSV of the cases' available modalities, found \"\"");
      }
      split = ModalitySplitCsv.read(Path.of(data.getRoot()).resolve(data.getModalitySplitCsv()));
    }
    return new ModalityMaskSampler(mode, seed, split);
  }

  /** The sampling mode. */
  public ModalityMaskMode mode() {
    return mode;
  }

  /**
   * The {@link ModalityMasks} index of draw {@code draw} of case {@code caseId}.
   *
   * @throws DelineoException naming the CSV and the case when UTD / UTD_DROP meets a case the
   *     CSV does not list
   */
  public int maskIndexFor(String caseId, long draw) {
    switch (mode) {
      case FULL:
        return ModalityMasks.ALL;
      case UTD:
        return split.maskOf(caseId);
      case UTD_DROP: {
        int[] allowed = ModalityMasks.subsetsOf(split.maskOf(caseId));
        return allowed.length == 1 ? allowed[0] : allowed[rng(caseId, draw).nextInt(allowed.length)];
      }
      case PDT:
        return rng(caseId, draw).nextInt(ModalityMasks.COUNT);
      default:
        throw new ConfigException("field 'data.modality_mask_mode': " + mode + " is not supported; valid: PDT,"
            + " UTD, UTD_DROP, FULL");
    }
  }

  /**
   * The mask ([flair, t1ce, t1, t2], true = available) of draw {@code draw} of case
   * {@code caseId}; see {@link #maskIndexFor}.
   */
  public boolean[] maskFor(String caseId, long draw) {
    return ModalityMasks.mask(maskIndexFor(caseId, draw));
  }

  private SplittableRandom rng(String caseId, long draw) {
    return new SplittableRandom(CaseSeeds.mix(seed, CaseSeeds.hash(caseId), draw));
  }
}
