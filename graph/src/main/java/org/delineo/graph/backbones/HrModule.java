package org.delineo.graph.backbones;

import java.util.ArrayList;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.layers.Activations;
import org.delineo.graph.layers.Resize;
import org.delineo.graph.layers.ResizeMode;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * One HRNet high-resolution module (mmseg {@code HRModule}): each branch runs its basic blocks
 * ({@code <name>.branches.i.k}), then every output i sums all branches brought to its resolution
 * and applies a ReLU ({@code <name>.fuse_layers.i.j}):
 *
 * <ul>
 *   <li>j = i: the branch itself;
 *   <li>j &gt; i (coarser): 1×1 conv + BN ({@code .fuse_layers.i.j.0/.1}), bilinear upsampling by
 *       2^(j−i) with half-pixel centres (mmseg's {@code Upsample(mode='bilinear',
 *       align_corners=False)}), then a bilinear resize to output i's size;
 *   <li>j &lt; i (finer): i−j stride-2 3×3 conv + BN steps ({@code .fuse_layers.i.j.k.0/.1}), a ReLU
 *       after each but the last; the intermediate steps keep branch j's channels.
 * </ul>
 *
 * <p>Without multi-scale output only the highest-resolution output (i = 0) is fused.
 */
final class HrModule extends Module {
  private final int[] channels;
  private final List<List<HrBasicBlock>> branches = new ArrayList<>();
  /** fuse[i][j]: the steps taking branch j to output i; empty for j = i. */
  private final List<List<List<HrConvBn>>> fuse = new ArrayList<>();

  /**
   * @param channels channels of each branch (input and output, basic blocks keep them)
   * @param blocks basic blocks per branch
   * @param multiscaleOutput whether all branches are output (else only the first)
   */
  HrModule(String name, int[] channels, int blocks, boolean multiscaleOutput) {
    super(name);
    this.channels = channels.clone();
    int n = channels.length;
    for (int i = 0; i < n; i++) {
      List<HrBasicBlock> branch = new ArrayList<>();
      for (int k = 0; k < blocks; k++) {
        branch.add(new HrBasicBlock(child("branches." + i + "." + k), channels[i]));
      }
      branches.add(branch);
    }
    // mmseg builds no fuse layers for a single branch: its output is the branch itself.
    int outputs = n == 1 ? 0 : (multiscaleOutput ? n : 1);
    for (int i = 0; i < outputs; i++) {
      List<List<HrConvBn>> row = new ArrayList<>();
      for (int j = 0; j < n; j++) {
        List<HrConvBn> steps = new ArrayList<>();
        String base = child("fuse_layers." + i + "." + j);
        if (j > i) {
          steps.add(new HrConvBn(base, channels[i], 1, 1, false));
        } else if (j < i) {
          for (int k = 0; k < i - j; k++) {
            boolean last = k == i - j - 1;
            steps.add(new HrConvBn(base + "." + k, last ? channels[i] : channels[j], 3, 2, !last));
          }
        }
        row.add(steps);
      }
      fuse.add(row);
    }
  }

  /** Runs the module on one tensor per branch, finest first; returns the fused outputs. */
  List<Operand<TFloat32>> apply(GraphContext ctx, List<Operand<TFloat32>> inputs) {
    int n = channels.length;
    if (inputs.size() != n) {
      throw new DelineoException(
          name() + ": expected " + n + " branch inputs, found " + inputs.size());
    }
    List<Operand<TFloat32>> x = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Operand<TFloat32> y = inputs.get(i);
      for (HrBasicBlock block : branches.get(i)) {
        y = block.apply(ctx, y);
      }
      x.add(y);
    }
    if (fuse.isEmpty()) {
      return x;
    }
    Ops tf = ctx.tf();
    List<Operand<TFloat32>> out = new ArrayList<>();
    for (int i = 0; i < fuse.size(); i++) {
      Operand<TFloat32> sum = x.get(i);
      for (int j = 0; j < n; j++) {
        if (j == i) {
          continue;
        }
        Operand<TFloat32> y = x.get(j);
        for (HrConvBn step : fuse.get(i).get(j)) {
          y = step.apply(ctx, y);
        }
        if (j > i) {
          y = upsample(tf, y, 1 << (j - i), x.get(i));
        }
        sum = tf.math.add(sum, y);
      }
      out.add(Activations.relu(tf, sum));
    }
    return out;
  }

  /**
   * mmseg 1.x {@code HRModule}'s j &gt; i path after the 1×1 conv + BN: {@code Upsample(scale_factor=
   * factor, mode='bilinear', align_corners=False)} (output size = input size · factor), then in
   * {@code forward} {@code resize(size=x[i].shape[2:], mode='bilinear', align_corners=False)}. Two
   * bilinear resizes do not compose into one, so when the sizes differ (odd sizes: 3 · 2 = 6 vs 5)
   * both are built; when the static sizes already agree the second is mmseg's identity and is
   * skipped. With sizes unknown when building both are built (the second is then an exact identity
   * at equal sizes: half-pixel sampling at scale 1 lands on the input pixels).
   */
  private static Operand<TFloat32> upsample(
      Ops tf, Operand<TFloat32> y, int factor, Operand<TFloat32> target) {
    Shape s = y.shape();
    Shape t = target.shape();
    if (s.get(1) > 0 && s.get(2) > 0 && t.get(1) > 0 && t.get(2) > 0) {
      Operand<TFloat32> up = Resize.bilinear2d(
          tf, y, s.get(1) * factor, s.get(2) * factor, ResizeMode.HALF_PIXEL);
      if (t.get(1) == s.get(1) * factor && t.get(2) == s.get(2) * factor) {
        return up;
      }
      return Resize.bilinear2d(tf, up, t.get(1), t.get(2), ResizeMode.HALF_PIXEL);
    }
    Operand<TInt32> hw = tf.slice(tf.shape(y), tf.constant(new int[] {1}), tf.constant(new int[] {2}));
    Operand<TFloat32> up =
        Resize.bilinear2d(tf, y, tf.math.mul(hw, tf.constant(factor)), ResizeMode.HALF_PIXEL);
    Operand<TInt32> targetHw =
        tf.slice(tf.shape(target), tf.constant(new int[] {1}), tf.constant(new int[] {2}));
    return Resize.bilinear2d(tf, up, targetHw, ResizeMode.HALF_PIXEL);
  }
}
