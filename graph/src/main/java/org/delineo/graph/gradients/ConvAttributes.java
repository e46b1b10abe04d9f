package org.delineo.graph.gradients;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.OperationAttributeInspector;

/**
 * The geometry attributes of a forward convolution op, read back so that its gradient ops are built
 * with exactly the same strides, padding, dilations and layout.
 */
record ConvAttributes(List<Long> strides, String padding, List<Long> dilations, String dataFormat) {

  static ConvAttributes of(GraphOperation op) {
    OperationAttributeInspector attrs = op.attributes();
    return new ConvAttributes(
        boxed(attrs.getAttrIntList("strides")),
        attrs.getAttrString("padding"),
        boxed(attrs.getAttrIntList("dilations")),
        attrs.getAttrString("data_format"));
  }

  /** VALID padding, every stride and dilation 1, channels last (NHWC / NDHWC). */
  boolean isValidUnitStrideChannelsLast() {
    return padding.equals("VALID")
        && strides.stream().allMatch(v -> v == 1L)
        && dilations.stream().allMatch(v -> v == 1L)
        && dataFormat.endsWith("C");
  }

  private static List<Long> boxed(long[] values) {
    List<Long> out = new ArrayList<>(values.length);
    for (long v : values) {
      out.add(v);
    }
    return List.copyOf(out);
  }
}
