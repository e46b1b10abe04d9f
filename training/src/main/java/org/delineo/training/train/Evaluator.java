package org.delineo.training.train;

import java.util.List;
import org.delineo.graph.Tensors;
import org.delineo.training.data.Sample;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.metrics.ConfusionMatrix;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Whole-image evaluation: each sample of a split goes through the EVAL path on its own (batch 1,
 * no augmentation), and predictions are accumulated in a confusion matrix.
 */
public final class Evaluator {
  private final Placeholder<TFloat32> image;
  private final Operand<TInt32> predictions;
  private final int numClasses;
  private final int ignoreIndex;

  public Evaluator(Placeholder<TFloat32> image, Operand<TInt32> predictions, int numClasses, int ignoreIndex) {
    this.image = image;
    this.predictions = predictions;
    this.numClasses = numClasses;
    this.ignoreIndex = ignoreIndex;
  }

  /** The confusion matrix over {@code ids} (labelled samples). */
  public ConfusionMatrix evaluate(Session session, SegmentationDataset dataset, List<String> ids) {
    ConfusionMatrix matrix = new ConfusionMatrix(numClasses, ignoreIndex);
    for (String id : ids) {
      Sample s = dataset.load(id);
      matrix.add(predict(session, s), s.label());
    }
    return matrix;
  }

  /** Class ids per pixel of one sample. */
  public int[] predict(Session session, Sample s) {
    long[] shape = new long[s.imageShape().length + 1];
    shape[0] = 1;
    for (int i = 0; i < s.imageShape().length; i++) {
      shape[i + 1] = s.imageShape()[i];
    }
    try (TFloat32 in = Tensors.floats(Shape.of(shape), s.image());
        Result r = session.runner().feed(image, in).fetch(predictions).run()) {
      return Tensors.toInts(r.get(0));
    }
  }
}
