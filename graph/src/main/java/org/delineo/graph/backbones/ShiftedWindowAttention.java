package org.delineo.graph.backbones;

import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.layers.DropPath;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Swin's attention over a whole map, mmseg's {@code ShiftWindowMSA}: the map [B, H, W, C] is
 * zero-padded at the bottom and right to multiples of the window size (also when it is smaller
 * than one window: the window never shrinks), rolled by −shift on both axes when shifted, cut into
 * windows for {@link WindowAttention} ({@code <name>.w_msa}; with {@link ShiftedWindowMask} when
 * shifted), put back, rolled by +shift, cropped to H × W, and passed through stochastic depth
 * ({@code <name>.drop}). The padded zeros take part in the attention as keys, as in mmseg (they are
 * added after the block's norm1, so their keys and values are the projections' biases).
 */
final class ShiftedWindowAttention extends Module implements Layer {
  private final int size;
  private final int shift;
  private final WindowAttention wMsa;
  private final DropPath drop;

  /**
   * @param name module path, e.g. {@code backbone.stages.0.blocks.1.attn}
   * @param dim token width
   * @param heads attention heads
   * @param size window side
   * @param shift the roll, 0 (regular windows) or in (0, size)
   * @param dropPathRate stochastic-depth rate of the output
   */
  ShiftedWindowAttention(String name, int dim, int heads, int size, int shift, float dropPathRate) {
    super(name);
    if (shift < 0 || shift >= size) {
      throw new DelineoException(name + ": shift must lie in [0, window size " + size + "), found " + shift);
    }
    this.size = size;
    this.shift = shift;
    this.wMsa = new WindowAttention(child("w_msa"), dim, heads, size);
    this.drop = new DropPath(child("drop"), dropPathRate);
  }

  /** @param input the normalised map [B, H, W, C]; returns DropPath(attention) [B, H, W, C] */
  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Ops tf = ctx.tf();
    Operand<TFloat32> padded = SwinWindows.padBottomRight(tf, input, size);
    Operand<TFloat32> mask = null;
    Operand<TFloat32> shifted = padded;
    if (shift > 0) {
      shifted = SwinWindows.roll(tf, padded, -shift);
      mask = ShiftedWindowMask.of(tf, Extent.of(tf, padded, 1), Extent.of(tf, padded, 2), size, shift);
    }
    Operand<TFloat32> attended = wMsa.apply(ctx, SwinWindows.partition(tf, shifted, size), mask);
    Operand<TFloat32> merged = SwinWindows.reverse(tf, attended, size, padded);
    if (shift > 0) {
      merged = SwinWindows.roll(tf, merged, shift);
    }
    return drop.apply(ctx, SwinWindows.cropTo(tf, merged, input));
  }
}
