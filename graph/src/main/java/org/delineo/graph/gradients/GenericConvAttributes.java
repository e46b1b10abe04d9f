package org.delineo.graph.gradients;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.OperationAttributeInspector;

/**
 * The attributes of a generic {@code Conv} op that its gradient needs, read back so that the
 * backprop ops use exactly the forward geometry. Only the 2-D channels-last form with one batch
 * dimension and no groups (what Conv2D computes) is accepted.
 */
record GenericConvAttributes(
    List<Long> strides, String padding, List<Long> explicitPaddings, List<Long> dilations) {

  static GenericConvAttributes of(GraphOperation op) {
    OperationAttributeInspector attrs = op.attributes();
    long[] strides = attrs.getAttrIntList("strides");
    String dataFormat = attrs.getAttrString("data_format");
    long batchDims = attrs.getAttrInt("batch_dims");
    long groups = attrs.getAttrInt("groups");
    if (strides.length != 4 || !dataFormat.equals("CHANNELS_LAST") || batchDims != 1
        || groups != 1) {
      throw new UnsupportedOperationException(
          op.name() + ": the Conv gradient covers 2-D CHANNELS_LAST convolutions with batch_dims 1"
              + " and groups 1, found " + (strides.length - 2) + "-D " + dataFormat
              + ", batch_dims " + batchDims + ", groups " + groups);
    }
    return new GenericConvAttributes(
        boxed(strides),
        attrs.getAttrString("padding"),
        boxed(attrs.getAttrIntList("explicit_paddings")),
        boxed(attrs.getAttrIntList("dilations")));
  }

  /** Whether every stride is 1. */
  boolean unitStride() {
    return strides.stream().allMatch(v -> v == 1L);
  }

  /** Whether every dilation is 1. */
  boolean undilated() {
    return dilations.stream().allMatch(v -> v == 1L);
  }

  /**
   * The zeros the forward op adds before and after each axis, in {@code explicit_paddings} order
   * (batch, rows, columns, channels), for a kernel of kh × kw at stride 1 without dilation: SAME
   * pads k − 1 in all, the odd one after, as TF does.
   */
  long[] paddingPerSide(long kh, long kw) {
    long[] out = new long[8];
    switch (padding) {
      case "VALID" -> { }
      case "SAME" -> {
        return samePerSide(kh, kw);
      }
      case "EXPLICIT" -> {
        for (int i = 0; i < 8; i++) {
          out[i] = explicitPaddings.get(i);
        }
      }
      default -> throw new UnsupportedOperationException("Conv padding " + padding);
    }
    return out;
  }

  /** What SAME pads at stride 1 for a kh × kw kernel, per side as above: k − 1, the odd one after. */
  static long[] samePerSide(long kh, long kw) {
    long[] out = new long[8];
    out[2] = (kh - 1) / 2;
    out[3] = kh - 1 - out[2];
    out[4] = (kw - 1) / 2;
    out[5] = kw - 1 - out[4];
    return out;
  }

  private static List<Long> boxed(long[] values) {
    List<Long> out = new ArrayList<>(values.length);
    for (long v : values) {
      out.add(v);
    }
    return List.copyOf(out);
  }
}
