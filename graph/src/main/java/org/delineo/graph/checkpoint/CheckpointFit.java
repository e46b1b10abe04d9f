package org.delineo.graph.checkpoint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.proto.DataType;

/**
 * Checks, before a restore, that a checkpoint holds every variable a graph would restore with the
 * graph's dtype and shape, so a checkpoint that does not fit the config fails with one line naming
 * the checkpoint and the variables, instead of TensorFlow's "Assign requires shapes ..." naming
 * only a save op.
 *
 * <p>The variables are those TF Java's {@code Session.save} / {@code Session.restore} handle: the
 * graph's {@code VariableV2} ops, by op name (its saver takes exactly those). Tensors only the
 * checkpoint holds are fine: EVAL and PREDICT graphs restore a subset of the TRAIN variables
 * (optimizer slots, auxiliary heads).
 */
public final class CheckpointFit {
  /** Mismatches listed in the message; the rest are counted. */
  static final int MAX_LISTED = 8;

  private CheckpointFit() {}

  /**
   * Fails unless the bundle under {@code prefix} fits {@code graph}.
   *
   * @param prefix the bundle prefix ({@code <prefix>.index} must exist)
   * @throws DelineoException naming the checkpoint, the mismatch count and up to
   *     {@value #MAX_LISTED} mismatches ({@code name: expected [..] float32, found [..] float32} or
   *     {@code name: missing from the checkpoint}); or naming an unreadable index
   */
  public static void check(Graph graph, Path prefix) {
    TensorBundleIndex index = TensorBundleIndex.ofPrefix(prefix);
    List<String> mismatches = mismatches(variables(graph), index.tensors());
    if (mismatches.isEmpty()) {
      return;
    }
    StringBuilder msg = new StringBuilder("checkpoint ").append(prefix).append(" does not fit the model: ")
        .append(mismatches.size()).append(mismatches.size() == 1 ? " variable differs: " : " variables differ: ");
    msg.append(String.join("; ", mismatches.subList(0, Math.min(MAX_LISTED, mismatches.size()))));
    if (mismatches.size() > MAX_LISTED) {
      msg.append("; and ").append(mismatches.size() - MAX_LISTED).append(" more");
    }
    throw new DelineoException(msg.toString());
  }

  /** The variables {@code Session.restore} would restore into {@code graph}, by name, in graph order. */
  public static Map<String, StoredTensor> variables(Graph graph) {
    Map<String, StoredTensor> out = new LinkedHashMap<>();
    for (Iterator<GraphOperation> it = graph.operations(); it.hasNext(); ) {
      GraphOperation op = it.next();
      Output<?> value = op.type().equals("VariableV2") ? op.output(0) : null;
      // A variable of unknown rank accepts any shape on restore: nothing to compare.
      if (value != null && !value.shape().isUnknown()) {
        out.put(op.name(), new StoredTensor(withoutRef(value.dataType()), value.shape().asArray()));
      }
    }
    return out;
  }

  /** One line per expected variable that the checkpoint lacks or holds with another dtype or shape. */
  static List<String> mismatches(Map<String, StoredTensor> expected, Map<String, StoredTensor> found) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, StoredTensor> e : expected.entrySet()) {
      StoredTensor stored = found.get(e.getKey());
      if (stored == null) {
        out.add(e.getKey() + ": missing from the checkpoint");
      } else if (!stored.equals(e.getValue())) {
        out.add(e.getKey() + ": expected " + e.getValue() + ", found " + stored);
      }
    }
    return out;
  }

  /** A variable's output is a ref type, the value type plus 100 (TensorFlow's types.proto). */
  private static DataType withoutRef(DataType dtype) {
    DataType value = dtype.getNumber() > 100 ? DataType.forNumber(dtype.getNumber() - 100) : null;
    return value != null ? value : dtype;
  }
}
