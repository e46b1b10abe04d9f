package org.delineo.graph.models.rfnet;

import java.util.ArrayList;
import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * One modality's RFNet encoder: per level l = 1..L a conv {@code e<l>_c1} (stride 1 at level 1,
 * stride 2 below) followed by a residual pair x + {@code e<l>_c3}({@code e<l>_c2}(x)); widths b,
 * 2b, 4b, ... All convs are {@link GeneralConv3d} (3×3×3, reflect padding).
 */
public final class RfNetEncoder extends Module {
  private final List<GeneralConv3d[]> levels = new ArrayList<>();

  /**
   * @param name module path, e.g. {@code flair_encoder}
   * @param basicDims width b of the first level
   * @param numLevels number of levels L
   * @param leakySlope negative slope of every LeakyReLU
   */
  public RfNetEncoder(String name, int basicDims, int numLevels, float leakySlope) {
    super(name);
    for (int l = 1; l <= numLevels; l++) {
      int width = basicDims << (l - 1);
      String e = "e" + l + "_c";
      levels.add(new GeneralConv3d[] {
        new GeneralConv3d(child(e + 1), width, 3, l == 1 ? 1 : 2, leakySlope),
        new GeneralConv3d(child(e + 2), width, 3, 1, leakySlope),
        new GeneralConv3d(child(e + 3), width, 3, 1, leakySlope)
      });
    }
  }

  /** The features of every level, finest first, from a one-channel input [N, D, H, W, 1]. */
  public List<Operand<TFloat32>> apply(GraphContext ctx, Operand<TFloat32> input) {
    List<Operand<TFloat32>> out = new ArrayList<>();
    Operand<TFloat32> x = input;
    for (GeneralConv3d[] level : levels) {
      x = level[0].apply(ctx, x);
      x = ctx.tf().math.add(x, level[2].apply(ctx, level[1].apply(ctx, x)));
      out.add(x);
    }
    return out;
  }
}
