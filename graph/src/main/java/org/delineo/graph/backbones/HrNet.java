package org.delineo.graph.backbones;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.layers.Activations;
import org.delineo.graph.layers.BatchNorm;
import org.delineo.graph.layers.Conv2d;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * HRNetV2 backbone as mmsegmentation's {@code HRNet} with the {@code fcn_hr18/32/48} settings:
 * a stem of two stride-2 3×3 convs ({@code conv1}/{@code bn1}, {@code conv2}/{@code bn2}), stage 1
 * of bottlenecks ({@code layer1}), then stages 2–4 of {@link HrModule}s with 2, 3 and 4 branches
 * of widths w, 2w, 4w, 8w, joined by {@code transition1..3}. Every module of the last stage keeps
 * multi-scale output, so {@link #apply} returns four maps at strides 4, 8, 16 and 32.
 *
 * <p>Variable names are mmseg's state-dict keys under the prefix given at construction, e.g.
 * {@code backbone.layer1.0.conv1.weight}, {@code backbone.transition1.1.0.0.weight},
 * {@code backbone.stage3.2.fuse_layers.2.0.1.0.weight}.
 *
 * <pre>{@code
 * HrNet hr48 = HrNet.builder("backbone").width(48).build();
 * List<Operand<TFloat32>> branches = hr48.apply(ctx, image); // 48, 96, 192, 384 channels
 * }</pre>
 */
public final class HrNet extends Module {
  private final int[] branchChannels;
  private final Conv2d conv1;
  private final BatchNorm bn1;
  private final Conv2d conv2;
  private final BatchNorm bn2;
  private final List<HrBottleneck> layer1 = new ArrayList<>();
  /** transitions.get(s): for stage s+2, one entry per branch (null = identity). */
  private final List<List<List<HrConvBn>>> transitions = new ArrayList<>();
  /** stages.get(s): the modules of stage s+2. */
  private final List<List<HrModule>> stages = new ArrayList<>();

  private HrNet(Builder b) {
    super(b.prefix);
    int w = b.width;
    this.branchChannels = new int[] {w, 2 * w, 4 * w, 8 * w};
    this.conv1 = HrConvBn.conv(child("conv1"), b.stemChannels, 3, 2);
    this.bn1 = new BatchNorm(child("bn1"));
    this.conv2 = HrConvBn.conv(child("conv2"), b.stemChannels, 3, 2);
    this.bn2 = new BatchNorm(child("bn2"));
    int stage1Out = b.stage1Planes * HrBottleneck.EXPANSION;
    for (int k = 0; k < b.stage1Blocks; k++) {
      boolean project = k == 0 && b.stemChannels != stage1Out;
      layer1.add(new HrBottleneck(child("layer1." + k), b.stage1Planes, project));
    }
    int[] previous = {stage1Out};
    for (int s = 0; s < 3; s++) {
      int branches = s + 2;
      int[] current = new int[branches];
      System.arraycopy(branchChannels, 0, current, 0, branches);
      transitions.add(transition(child("transition" + (s + 1)), previous, current));
      List<HrModule> modules = new ArrayList<>();
      for (int m = 0; m < b.modules[s]; m++) {
        // mmseg: multiscale_output or not the stage's last module; ours is always true.
        modules.add(new HrModule(child("stage" + branches + "." + m), current, b.blocks, true));
      }
      stages.add(modules);
      previous = current;
    }
  }

  /** A builder with HRNetV2-W48's settings. */
  public static Builder builder(String prefix) {
    return new Builder(prefix);
  }

  /**
   * mmseg {@code _make_transition_layer}: an existing branch whose width changes gets a 3×3 conv +
   * BN + ReLU ({@code <name>.i.0/.1}); a new branch i is reached from the coarsest previous branch
   * by stride-2 3×3 conv + BN + ReLU steps ({@code <name>.i.k.0/.1}), only the last changing width.
   */
  private static List<List<HrConvBn>> transition(String name, int[] previous, int[] current) {
    List<List<HrConvBn>> out = new ArrayList<>();
    for (int i = 0; i < current.length; i++) {
      List<HrConvBn> steps = new ArrayList<>();
      if (i < previous.length) {
        if (current[i] != previous[i]) {
          steps.add(new HrConvBn(name + "." + i, current[i], 3, 1, true));
        }
      } else {
        int in = previous[previous.length - 1];
        int count = i + 1 - previous.length;
        for (int k = 0; k < count; k++) {
          int outChannels = k == count - 1 ? current[i] : in;
          steps.add(new HrConvBn(name + "." + i + "." + k, outChannels, 3, 2, true));
        }
      }
      out.add(steps);
    }
    return out;
  }

  /**
   * Builds the backbone on an NHWC image with a static channel count.
   *
   * @return the four branch outputs, finest first: [N, H/4, W/4, w], [N, H/8, W/8, 2w],
   *     [N, H/16, W/16, 4w], [N, H/32, W/32, 8w] (sizes rounded up per stride-2 step)
   */
  public List<Operand<TFloat32>> apply(GraphContext ctx, Operand<TFloat32> image) {
    Ops tf = ctx.tf();
    Operand<TFloat32> x = Activations.relu(tf, bn1.apply(ctx, conv1.apply(ctx, image)));
    x = Activations.relu(tf, bn2.apply(ctx, conv2.apply(ctx, x)));
    for (HrBottleneck block : layer1) {
      x = block.apply(ctx, x);
    }
    List<Operand<TFloat32>> y = List.of(x);
    for (int s = 0; s < stages.size(); s++) {
      List<List<HrConvBn>> transition = transitions.get(s);
      List<Operand<TFloat32>> inputs = new ArrayList<>();
      for (int i = 0; i < transition.size(); i++) {
        // New branches grow from the coarsest existing one (mmseg uses y_list[-1]).
        Operand<TFloat32> branch = i < y.size() ? y.get(i) : y.get(y.size() - 1);
        for (HrConvBn step : transition.get(i)) {
          branch = step.apply(ctx, branch);
        }
        inputs.add(branch);
      }
      y = inputs;
      for (HrModule module : stages.get(s)) {
        y = module.apply(ctx, y);
      }
    }
    return y;
  }

  /** Channels of the four outputs, finest first (w, 2w, 4w, 8w). */
  public int[] branchChannels() {
    return branchChannels.clone();
  }

  /** Sum of the output channels (15w; 720 for W48), what a concatenating head receives. */
  public int totalChannels() {
    int sum = 0;
    for (int c : branchChannels) {
      sum += c;
    }
    return sum;
  }

  /** The four branches' contract: {@link #branchChannels} at strides 4, 8, 16 and 32. */
  public FeatureLevels featureLevels() {
    return new FeatureLevels(Arrays.stream(branchChannels).boxed().toList(), List.of(4, 8, 16, 32));
  }

  /** Configures an {@link HrNet}; defaults are HRNetV2-W48 (mmseg {@code fcn_hr48}). */
  public static final class Builder {
    private final String prefix;
    private int width = 48;
    private int stemChannels = 64;
    private int stage1Planes = 64;
    private int stage1Blocks = 4;
    private int blocks = 4;
    private int[] modules = {1, 4, 3};

    private Builder(String prefix) {
      this.prefix = prefix;
    }

    /** Width w of the finest branch (18, 32 or 48 in mmseg's configs); branches are w·2^i. */
    public Builder width(int value) {
      this.width = value;
      return this;
    }

    /** Channels of both stem convs (64). */
    public Builder stemChannels(int value) {
      this.stemChannels = value;
      return this;
    }

    /** Inner width of stage 1's bottlenecks (64, output 4×). */
    public Builder stage1Planes(int value) {
      this.stage1Planes = value;
      return this;
    }

    /** Bottlenecks in stage 1 (4). */
    public Builder stage1Blocks(int value) {
      this.stage1Blocks = value;
      return this;
    }

    /** Basic blocks per branch in every module of stages 2–4 (4). */
    public Builder blocks(int value) {
      this.blocks = value;
      return this;
    }

    /** Modules in stages 2, 3 and 4 (1, 4, 3). */
    public Builder modules(int stage2, int stage3, int stage4) {
      this.modules = new int[] {stage2, stage3, stage4};
      return this;
    }

    /** @throws DelineoException if a width or count is not positive */
    public HrNet build() {
      positive("width", width);
      positive("stemChannels", stemChannels);
      positive("stage1Planes", stage1Planes);
      positive("stage1Blocks", stage1Blocks);
      positive("blocks", blocks);
      for (int m : modules) {
        positive("modules per stage", m);
      }
      return new HrNet(this);
    }

    private void positive(String what, int value) {
      if (value <= 0) {
        throw new DelineoException(
            "HrNet '" + prefix + "': " + what + " must be positive, found " + value);
      }
    }
  }
}
