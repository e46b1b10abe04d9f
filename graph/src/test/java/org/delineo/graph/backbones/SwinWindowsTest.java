package org.delineo.graph.backbones;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.BiFunction;
import org.delineo.graph.Tensors;
import org.delineo.graph.testing.PlainSwin;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Swin's windowing on maps small enough to write out by hand: window partition and reverse, the
 * cyclic shift, the shifted windows' attention mask (mmseg's 3 × 3 region labels), the relative
 * position index, and {@code nn.Unfold}'s channel order in the patch merging. Each runs with a
 * static and with a fully unknown input shape (the training and export graphs' case).
 */
class SwinWindowsTest {
  /** A 4 × 4 one-channel map holding 4·y + x; a second image holds 100 more. */
  private static final float[] TWO_MAPS = new float[32];

  static {
    for (int i = 0; i < 16; i++) {
      TWO_MAPS[i] = i;
      TWO_MAPS[16 + i] = 100 + i;
    }
  }

  @Test
  void partitionListsWindowsImageByImageRowMajorAndReverseUndoesIt() {
    // Windows of 2 × 2 over [[0 1 2 3] [4 5 6 7] [8 9 10 11] [12 13 14 15]], then the second image.
    float[] windows = {0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15,
        100, 101, 104, 105, 102, 103, 106, 107, 108, 109, 112, 113, 110, 111, 114, 115};
    for (boolean known : new boolean[] {true, false}) {
      float[][] got = run(Shape.of(2, 4, 4, 1), TWO_MAPS, known, (tf, x) -> SwinWindows.partition(tf, x, 2),
          (tf, x) -> SwinWindows.reverse(tf, SwinWindows.partition(tf, x, 2), 2, x));
      assertArrayEquals(windows, got[0], "partition, static " + known);
      assertArrayEquals(TWO_MAPS, got[1], "reverse(partition(x)) = x, static " + known);
    }
  }

  @Test
  void cyclicShiftRollsUpAndLeftAndBack() {
    // torch.roll(x, (-1, -1), (1, 2)): the value at (y, x) is the one from ((y + 1) mod 4, (x + 1) mod 4).
    float[] rolled = {5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12, 1, 2, 3, 0};
    for (boolean known : new boolean[] {true, false}) {
      float[][] got = run(Shape.of(1, 4, 4, 1), java.util.Arrays.copyOf(TWO_MAPS, 16), known,
          (tf, x) -> SwinWindows.roll(tf, x, -1), (tf, x) -> SwinWindows.roll(tf, SwinWindows.roll(tf, x, -1), 1));
      assertArrayEquals(rolled, got[0], "roll by -1");
      assertArrayEquals(java.util.Arrays.copyOf(TWO_MAPS, 16), got[1], "roll by +1 undoes it");
    }
  }

  @Test
  void paddingAddsZerosAtTheBottomAndRightAndCropRemovesThem() {
    float[] map = {1, 2, 3, 4, 5, 6}; // 2 × 3
    float[] padded = {1, 2, 3, 0, 4, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0}; // to 4 × 4 (multiples of 4)
    for (boolean known : new boolean[] {true, false}) {
      float[][] got = run(Shape.of(1, 2, 3, 1), map, known, (tf, x) -> SwinWindows.padBottomRight(tf, x, 4),
          (tf, x) -> SwinWindows.cropTo(tf, SwinWindows.padBottomRight(tf, x, 4), x));
      assertArrayEquals(padded, got[0], "padded, static " + known);
      assertArrayEquals(map, got[1], "cropped back, static " + known);
    }
  }

  /**
   * 4 × 4 map, window 2, shift 1. mmseg's slices label the rolled map's rows [0, 2), [2, 3), [3, 4)
   * and columns likewise, region = 3·row slice + column slice:
   * <pre>
   * 0 0 1 2
   * 0 0 1 2
   * 3 3 4 5
   * 6 6 7 8
   * </pre>
   * so the four windows hold regions [0 0 0 0], [1 2 1 2], [3 3 6 6], [4 5 7 8].
   */
  @Test
  void shiftedWindowMaskSeparatesTheWrappedRegions() {
    float m = -100f;
    float[] want = {
      // window 0: one region
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
      // window 1: columns 3 and 0 of the original map (the latter wrapped)
      0, m, 0, m, m, 0, m, 0, 0, m, 0, m, m, 0, m, 0,
      // window 2: rows 3 and 0 (wrapped)
      0, 0, m, m, 0, 0, m, m, m, m, 0, 0, m, m, 0, 0,
      // window 3: four regions, each token alone
      0, m, m, m, m, 0, m, m, m, m, 0, m, m, m, m, 0,
    };
    for (boolean known : new boolean[] {true, false}) {
      float[][] got = run(Shape.of(1, 4, 4, 1), new float[16], known,
          (tf, x) -> ShiftedWindowMask.of(tf, Extent.of(tf, x, 1), Extent.of(tf, x, 2), 2, 1), null);
      assertEquals(4 * 4 * 4, got[0].length, "[nW, N, N] = [4, 4, 4]");
      assertArrayEquals(want, got[0], "mask, static " + known);
    }
  }

  /**
   * A map of exactly one 4 × 4 window shifted by 2: the slices are empty, [0, 2) and [2, 4), so the
   * window splits into four 2 × 2 quadrants of the rolled map.
   */
  @Test
  void aMapOfOneWindowSplitsIntoQuadrants() {
    float[][] got = run(Shape.of(1, 4, 4, 1), new float[16], true,
        (tf, x) -> ShiftedWindowMask.of(tf, Extent.of(4), Extent.of(4), 4, 2), null);
    for (int i = 0; i < 16; i++) {
      for (int j = 0; j < 16; j++) {
        boolean same = (i / 4 < 2) == (j / 4 < 2) && (i % 4 < 2) == (j % 4 < 2);
        assertEquals(same ? 0f : -100f, got[0][i * 16 + j], "pair " + i + ", " + j);
      }
    }
  }

  /**
   * Window 2, tokens (0,0), (0,1), (1,0), (1,1): row (Δr + 1)·3 + (Δc + 1) of the 3 × 3 offset
   * table, Δ = query − key, written out.
   */
  @Test
  void relativePositionIndexOfAWindowOfTwo() {
    int[] want = {
      4, 3, 1, 0,
      5, 4, 2, 1,
      7, 6, 4, 3,
      8, 7, 5, 4,
    };
    assertArrayEquals(want, RelativePositionIndex.of(2));
    assertEquals(9, RelativePositionIndex.tableRows(2));
  }

  /** mmseg's construction (double_step_seq, transpose sum, column flip) gives the same index. */
  @Test
  void relativePositionIndexEqualsMmsegsConstruction() {
    for (int window : new int[] {2, 3, 7, 12}) {
      assertArrayEquals(PlainSwin.mmsegRelativePositionIndex(window), RelativePositionIndex.of(window),
          "window " + window);
    }
    assertEquals(529, RelativePositionIndex.tableRows(12), "Swin-B's table: 23 x 23 offsets");
  }

  /**
   * nn.Unfold(2, stride=2) orders the 4C features channel-major, then kernel row, then kernel
   * column (PyTorch's documentation of the C × ∏(kernel_size) axis). Input: one 4 × 4 image with 2
   * channels, value 100·c + 4·y + x.
   */
  @Test
  void patchMergingFeaturesAreInUnfoldOrder() {
    float[] map = new float[32];
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 4; x++) {
        for (int c = 0; c < 2; c++) {
          map[(y * 4 + x) * 2 + c] = 100 * c + 4 * y + x;
        }
      }
    }
    float[] want = {
      0, 1, 4, 5, 100, 101, 104, 105, // patch (0, 0): channel 0's (0,0) (0,1) (1,0) (1,1), then channel 1's
      2, 3, 6, 7, 102, 103, 106, 107, // patch (0, 1)
      8, 9, 12, 13, 108, 109, 112, 113, // patch (1, 0)
      10, 11, 14, 15, 110, 111, 114, 115, // patch (1, 1)
    };
    for (boolean known : new boolean[] {true, false}) {
      float[][] got = run(Shape.of(1, 4, 4, 2), map, known, PatchMerging::unfold, null);
      assertArrayEquals(want, got[0], "static " + known);
    }
  }

  /** An odd 3 × 3 map (values 1..9) gets a zero row and column first, as AdaptivePadding 'corner'. */
  @Test
  void patchMergingPadsOddSizesAtTheBottomAndRight() {
    float[] map = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    float[] want = {1, 2, 4, 5, 3, 0, 6, 0, 7, 8, 0, 0, 9, 0, 0, 0};
    for (boolean known : new boolean[] {true, false}) {
      float[][] got = run(Shape.of(1, 3, 3, 1), map, known, PatchMerging::unfold, null);
      assertArrayEquals(want, got[0], "static " + known);
    }
  }

  /**
   * Builds {@code first} (and {@code second} when given) on a placeholder of {@code shape} (or of
   * fully unknown size with the same channels), feeds {@code values}, returns both results.
   */
  private static float[][] run(Shape shape, float[] values, boolean known,
      BiFunction<Ops, Operand<TFloat32>, Operand<?>> first, BiFunction<Ops, Operand<TFloat32>, Operand<?>> second) {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Shape declared = known ? shape : Shape.of(-1, -1, -1, shape.get(3));
      Operand<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(declared));
      Operand<?> a = first.apply(tf, x);
      Operand<?> b = second == null ? null : second.apply(tf, x);
      if (known && b != null) {
        assertEquals(shape, b.shape(), "static shape kept");
      }
      try (TFloat32 in = Tensors.floats(shape, values)) {
        Session.Runner r = s.runner().feed(x, in).fetch(a);
        if (b != null) {
          r.fetch(b);
        }
        try (Result res = r.run()) {
          return new float[][] {Tensors.toFloats(res.get(0)), b == null ? null : Tensors.toFloats(res.get(1))};
        }
      }
    }
  }
}
