package org.delineo.graph.models.unet;

/**
 * How a {@link UpBlock} doubles the spatial size of the deeper feature map before it is
 * concatenated with the skip connection.
 */
public enum UpsampleMode {
  /**
   * 1×1 conv (deep channels → skip channels) then bilinear ×2 with {@code align_corners=True}.
   * This is what UniMatch's medical UNet actually runs: its {@code UpBlock} defaults to
   * {@code bilinear=True} and the decoder never passes the {@code params['bilinear'] = False} it
   * sets, which is also why the network has the 1.81 M parameters SemSim reports.
   */
  BILINEAR,
  /** A 2×2, stride-2 transposed conv (deep channels → skip channels): UpBlock(bilinear=False). */
  TRANSPOSED
}
