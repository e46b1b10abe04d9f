package org.delineo.graph.backbones;

import java.util.ArrayList;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * One Swin stage, mmseg's {@code SwinBlockSequence}: {@code depth} {@link SwinBlock}s
 * ({@code <name>.blocks.j}) whose windows are regular for even j and shifted by window // 2 for odd
 * j, then, in every stage but the last, a {@link PatchMerging} ({@code <name>.downsample}) that
 * halves the resolution and doubles the width for the next stage. The stage's feature map is the
 * blocks' output, before the merging.
 */
final class SwinStage extends Module {
  private final List<SwinBlock> blocks = new ArrayList<>();
  private final PatchMerging downsample;

  /**
   * @param name module path, e.g. {@code backbone.stages.2}
   * @param dim the stage's width
   * @param heads attention heads of its blocks
   * @param window window side
   * @param mlpRatio FFN hidden width / dim
   * @param dropPathRates one stochastic-depth rate per block (their count is the depth)
   * @param downsample whether a patch merging to 2·dim channels follows
   */
  SwinStage(String name, int dim, int heads, int window, int mlpRatio, float[] dropPathRates, boolean downsample) {
    super(name);
    if (dropPathRates.length < 1) {
      throw new DelineoException(name + ": a stage needs at least one block, found none");
    }
    for (int j = 0; j < dropPathRates.length; j++) {
      blocks.add(new SwinBlock(child("blocks." + j), dim, heads, window, j % 2 == 1, mlpRatio, dropPathRates[j]));
    }
    this.downsample = downsample ? new PatchMerging(child("downsample"), 2 * dim) : null;
  }

  /** The blocks applied to {@code x} [B, H, W, dim]: the stage's feature map, same shape. */
  Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> x) {
    Operand<TFloat32> y = x;
    for (SwinBlock block : blocks) {
      y = block.apply(ctx, y);
    }
    return y;
  }

  /** Whether {@link #downsample} exists (every stage but the last). */
  boolean hasDownsample() {
    return downsample != null;
  }

  /** The next stage's input from this stage's feature map: [B, ceil(H / 2), ceil(W / 2), 2·dim]. */
  Operand<TFloat32> downsample(GraphContext ctx, Operand<TFloat32> features) {
    if (downsample == null) {
      throw new IllegalStateException(name() + " is the last stage and has no downsample");
    }
    return downsample.apply(ctx, features);
  }
}
