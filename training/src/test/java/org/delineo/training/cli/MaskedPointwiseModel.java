package org.delineo.training.cli;

import org.delineo.graph.GraphContext;
import org.delineo.graph.layers.Conv3d;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.delineo.graph.model.SegmentationModel;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A test model for multi-modal exports: the image with unavailable modalities zeroed, then a
 * 1×1×1 convolution ("head") to as many classes as modalities, so every logit is a known linear
 * function of the (normalised) intensities at its own voxel.
 */
final class MaskedPointwiseModel implements SegmentationModel {
  private final int modalities;

  MaskedPointwiseModel(int modalities) {
    this.modalities = modalities;
  }

  @Override
  public String name() {
    return "tiny";
  }

  @Override
  public int numClasses() {
    return modalities;
  }

  @Override
  public boolean takesModalityMask() {
    return true;
  }

  @Override
  public ModelOutputs apply(GraphContext ctx, ModelInputs inputs) {
    Ops tf = ctx.tf();
    Operand<TFloat32> x = inputs.image();
    if (inputs.modalityMask() != null) {
      x = tf.math.mul(x, tf.reshape(tf.dtypes.cast(inputs.modalityMask(), TFloat32.class),
          tf.constant(new int[] {-1, 1, 1, 1, modalities})));
    }
    return ModelOutputs.of(Conv3d.builder("head", modalities).kernel(1).build().apply(ctx, x));
  }
}
