package org.delineo.training.data.brats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.BratsLayout;

/**
 * The 15 non-empty BraTS modality-availability masks in the reference index order
 * (reference-methods.md §4.4; RFNet / PASSION training CSVs and evaluation tables). A mask is a
 * {@code boolean[4]} over the channel order {@link BratsLayout#MODALITIES} = [flair, t1ce, t1, t2];
 * {@code true} means the modality is available.
 *
 * <p>Names follow the reference table with "t1ce" spelled the same way everywhere (the table
 * writes "t1c" for the single-modality mask 1 only).
 */
public final class ModalityMasks {
  /** Number of masks (non-empty subsets of four modalities). */
  public static final int COUNT = 15;
  /** Number of modalities a mask ranges over. */
  public static final int MODALITIES = 4;
  /** Index of the mask with all four modalities. */
  public static final int ALL = 14;

  private static final boolean T = true;
  private static final boolean F = false;
  // Columns: flair, t1ce, t1, t2 (the table of §4.4, row by row).
  private static final boolean[][] MASKS = {
    {F, F, F, T}, {F, T, F, F}, {F, F, T, F}, {T, F, F, F},
    {F, T, F, T}, {F, T, T, F}, {T, F, T, F}, {F, F, T, T}, {T, F, F, T}, {T, T, F, F},
    {T, T, T, F}, {T, F, T, T}, {T, T, F, T}, {F, T, T, T},
    {T, T, T, T},
  };
  private static final List<String> NAMES = List.of(
      "t2", "t1ce", "t1", "flair",
      "t1ce+t2", "t1ce+t1", "flair+t1", "t1+t2", "flair+t2", "flair+t1ce",
      "flair+t1ce+t1", "flair+t1+t2", "flair+t1ce+t2", "t1ce+t1+t2",
      "all");
  /** Mask index of each single modality, in channel order (flair, t1ce, t1, t2). */
  private static final int[] SINGLE = {3, 1, 2, 0};

  private ModalityMasks() {}

  /** The mask with index {@code index} (a fresh copy). */
  public static boolean[] mask(int index) {
    return MASKS[check(index)].clone();
  }

  /** The display name of mask {@code index}, e.g. {@code flair+t1ce}. */
  public static String name(int index) {
    return NAMES.get(check(index));
  }

  /** All 15 names in index order. */
  public static List<String> names() {
    return NAMES;
  }

  /**
   * The index of {@code mask}.
   *
   * @throws DelineoException when the mask does not have 4 entries or is empty
   */
  public static int indexOf(boolean[] mask) {
    if (mask.length != MODALITIES) {
      throw new DelineoException("modality mask: expected " + MODALITIES
          + " entries [flair, t1ce, t1, t2], found " + Arrays.toString(mask));
    }
    for (int i = 0; i < COUNT; i++) {
      if (Arrays.equals(MASKS[i], mask)) {
        return i;
      }
    }
    throw new DelineoException(
        "modality mask: expected at least one available modality, found " + Arrays.toString(mask));
  }

  /** The mask index holding only modality {@code channel} (0 flair, 1 t1ce, 2 t1, 3 t2). */
  public static int single(int channel) {
    if (channel < 0 || channel >= MODALITIES) {
      throw new DelineoException("modality mask: expected a modality channel in [0, 4), found "
          + channel);
    }
    return SINGLE[channel];
  }

  /** The four single-modality mask indices in channel order: flair 3, t1ce 1, t1 2, t2 0. */
  public static int[] singles() {
    return SINGLE.clone();
  }

  /**
   * The indices, ascending, of the non-empty masks whose modalities are all available in
   * {@code available}: PASSION's {@code pos_mask_ids}, what {@code utd_drop} draws from.
   */
  public static int[] subsetsOf(int available) {
    boolean[] avail = MASKS[check(available)];
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < COUNT; i++) {
      boolean inside = true;
      for (int m = 0; m < MODALITIES; m++) {
        inside &= !MASKS[i][m] || avail[m];
      }
      if (inside) {
        out.add(i);
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  private static int check(int index) {
    if (index < 0 || index >= COUNT) {
      throw new DelineoException("modality mask: expected an index in [0, 15), found " + index);
    }
    return index;
  }
}
