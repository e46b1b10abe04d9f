package org.delineo.graph.backbones;

import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.delineo.graph.Module;
import org.delineo.graph.ShapeMismatchException;
import org.delineo.graph.layers.LayerNorm;
import org.delineo.graph.layers.Linear;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Swin's downsampling between stages, mmseg's {@code PatchMerging} (kernel 2, stride 2, padding
 * 'corner'): an odd H or W gets one zero row / column at the bottom / right, every 2 × 2 patch
 * becomes one token of 4C features, LayerNorm over them ({@code <name>.norm}, eps 1e-5), and a
 * Linear to {@code out} channels without bias ({@code <name>.reduction}).
 *
 * <p>The 4C features are in {@code nn.Unfold}'s order, channel-major: feature c·4 + 2·dy + dx is
 * channel c of the patch's pixel (dy, dx). That order decides which row of the pretrained
 * {@code norm} and {@code reduction} weights meets which value; mmseg's Swin checkpoints are
 * stored in it ({@code tools/model_converters/swin2mmseg.py} reorders Microsoft's originals, which
 * concatenate the four pixels (0,0), (1,0), (0,1), (1,1) of C channels each).
 */
final class PatchMerging extends Module implements Layer {
  private final LayerNorm norm;
  private final Linear reduction;

  /**
   * @param name module path, e.g. {@code backbone.stages.0.downsample}
   * @param out output channels (Swin: twice the input's)
   */
  PatchMerging(String name, int out) {
    super(name);
    this.norm = new LayerNorm(child("norm"));
    this.reduction = new Linear(child("reduction"), out, false, SwinInits.linear());
  }

  /** @param input [B, H, W, C]; returns [B, ceil(H / 2), ceil(W / 2), out] */
  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    Shape s = input.shape();
    if (s.isUnknown() || s.numDimensions() != 4 || s.get(3) < 1) {
      throw new ShapeMismatchException(name() + ": expected a map [N, H, W, C] with static C, found " + s);
    }
    return reduction.apply(ctx, norm.apply(ctx, unfold(ctx.tf(), input)));
  }

  /** [B, H, W, C] → [B, ceil(H / 2), ceil(W / 2), 4C] in {@code nn.Unfold}'s feature order. */
  static Operand<TFloat32> unfold(Ops tf, Operand<TFloat32> input) {
    Operand<TFloat32> x = SwinWindows.padBottomRight(tf, input, 2);
    Extent rows = Extent.of(tf, x, 1).dividedBy(tf, 2);
    Extent cols = Extent.of(tf, x, 2).dividedBy(tf, 2);
    Extent c = Extent.of(tf, x, 3);
    Extent two = Extent.of(2);
    // [B, H/2, dy, W/2, dx, C] → [B, H/2, W/2, C, dy, dx]: channel-major, then dy, then dx.
    Operand<TFloat32> patches = tf.reshape(x, Extent.vector(tf, Extent.INFERRED, rows, two, cols, two, c));
    Operand<TFloat32> grouped = tf.linalg.transpose(patches, tf.constant(new int[] {0, 1, 3, 5, 2, 4}));
    return tf.reshape(grouped, Extent.vector(tf, Extent.INFERRED, rows, cols, Extent.of(4 * c.get())));
  }
}
