package org.delineo.training.checkpoint;

import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.Tensors;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.Restore;
import org.tensorflow.types.TFloat32;

/**
 * Reads named float variables from a TensorFlow checkpoint bundle (our {@link CheckpointManager}
 * checkpoints: {@code <dir>/variables.index + .data-*}) in a scratch graph, one {@code RestoreV2}
 * per name. Only asked-for names are read (to list a bundle's names, dtypes and shapes, read its
 * index with {@link org.delineo.graph.checkpoint.TensorBundleIndex}); a name the bundle lacks (or
 * holds with another dtype) is simply absent from the result.
 */
public final class BundleReader {
  private BundleReader() {}

  /** The arrays of {@code names} found under the bundle {@code prefix} (e.g. {@code ckpt-100/variables}). */
  public static Map<String, WeightArray> read(Path prefix, Collection<String> names) {
    Map<String, WeightArray> out = new LinkedHashMap<>();
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      for (String name : names) {
        Restore restore = tf.train.restore(tf.constant(prefix.toString()), vector(tf, name), vector(tf, ""), List.of(TFloat32.class));
        try (Result r = s.runner().fetch(restore.tensors().get(0)).run()) {
          TFloat32 t = (TFloat32) r.get(0);
          out.put(name, new WeightArray(t.shape().asArray(), Tensors.toFloats(t)));
        } catch (TensorFlowException e) {
          // Not in the bundle (NotFound) or not float32: reported as missing by the caller.
        }
      }
    }
    return out;
  }

  /** A one-element string vector (RestoreV2 takes lists of names and slice specs). */
  private static org.tensorflow.Operand<org.tensorflow.types.TString> vector(Ops tf, String s) {
    return tf.reshape(tf.constant(s), tf.constant(new int[] {1}));
  }
}
