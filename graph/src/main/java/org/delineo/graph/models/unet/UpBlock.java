package org.delineo.graph.models.unet;

import java.util.List;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Module;
import org.delineo.graph.init.Initializers;
import org.delineo.graph.layers.Conv2d;
import org.delineo.graph.layers.ConvTranspose2d;
import org.delineo.graph.layers.Resize;
import org.delineo.graph.layers.ResizeMode;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * UniMatch's UNet {@code UpBlock}: brings the deeper map to the skip's channels and doubles its
 * size ({@link UpsampleMode}), concatenates {@code [skip, upsampled]} on the channel axis (skip
 * first, as {@code torch.cat([x2, x1])}) and applies a {@link ConvBlock} without dropout.
 * Submodules: {@code <name>.conv1x1} (bilinear) or {@code <name>.up} (transposed), and
 * {@code <name>.conv}.
 */
public final class UpBlock extends Module {
  private final UpsampleMode mode;
  private final Conv2d conv1x1;
  private final ConvTranspose2d up;
  private final ConvBlock conv;

  /**
   * @param name module path, e.g. {@code decoder.up1}
   * @param skipChannels channels of the skip connection; the upsampled map gets as many
   * @param outChannels channels of the block's output
   * @param mode how the deeper map is upsampled
   * @param leakySlope negative slope of the ConvBlock's LeakyReLUs
   */
  public UpBlock(
      String name, int skipChannels, int outChannels, UpsampleMode mode, float leakySlope) {
    super(name);
    this.mode = mode;
    if (mode == UpsampleMode.BILINEAR) {
      this.conv1x1 = Conv2d.builder(child("conv1x1"), skipChannels).kernel(1)
          .init(Initializers.heNormal(leakySlope)).build();
      this.up = null;
    } else {
      this.conv1x1 = null;
      this.up = ConvTranspose2d.builder(child("up"), skipChannels)
          .init(Initializers.heNormal(leakySlope)).build();
    }
    this.conv = new ConvBlock(child("conv"), outChannels, 0f, leakySlope);
  }

  /** Upsamples {@code deep} to {@code skip}'s size, concatenates and convolves. */
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> deep, Operand<TFloat32> skip) {
    Ops tf = ctx.tf();
    Operand<TFloat32> upsampled;
    if (mode == UpsampleMode.BILINEAR) {
      upsampled = Resize.bilinear2d(
          tf, conv1x1.apply(ctx, deep), spatialSize(tf, skip), ResizeMode.ALIGN_CORNERS);
    } else {
      upsampled = up.apply(ctx, deep);
    }
    Operand<TFloat32> joined = tf.concat(List.of(skip, upsampled), tf.constant(-1));
    return conv.apply(ctx, joined);
  }

  /**
   * The skip's [H, W]: a constant when static, so that shape inference keeps the static logits
   * size; read at run time otherwise (a serving signature with unknown spatial size).
   */
  private static Operand<TInt32> spatialSize(Ops tf, Operand<TFloat32> skip) {
    Shape s = skip.shape();
    if (!s.isUnknown() && s.get(1) >= 0 && s.get(2) >= 0) {
      return tf.constant(new int[] {(int) s.get(1), (int) s.get(2)});
    }
    return tf.stridedSlice(
        tf.shape(skip), tf.constant(new int[] {1}), tf.constant(new int[] {3}),
        tf.constant(new int[] {1}));
  }
}
