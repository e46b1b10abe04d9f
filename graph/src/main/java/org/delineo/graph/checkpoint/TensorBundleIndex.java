package org.delineo.graph.checkpoint;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.delineo.graph.DelineoException;
import org.tensorflow.proto.BundleEntryProto;
import org.tensorflow.proto.BundleHeaderProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * The names, dtypes and shapes of the tensors in a TensorFlow checkpoint (a tensor bundle written
 * by {@code Session.save}: {@code <prefix>.index} and {@code <prefix>.data-*}), read from the index
 * file alone, without TensorFlow.
 *
 * <p>The index is a table ({@link SsTable}) whose empty key holds a {@link BundleHeaderProto} and
 * whose every other key is a tensor name holding a {@link BundleEntryProto} (dtype, shape and where
 * the bytes lie in the data files).
 */
public final class TensorBundleIndex {
  private final Path file;
  private final Map<String, StoredTensor> tensors;

  private TensorBundleIndex(Path file, Map<String, StoredTensor> tensors) {
    this.file = file;
    this.tensors = Collections.unmodifiableMap(tensors);
  }

  /** The index of the bundle written under {@code prefix}, i.e. the file {@code <prefix>.index}. */
  public static TensorBundleIndex ofPrefix(Path prefix) {
    return read(Path.of(prefix + ".index"));
  }

  /**
   * Reads an index file.
   *
   * @throws DelineoException naming the file when it is missing, unreadable, truncated or corrupt
   */
  public static TensorBundleIndex read(Path indexFile) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(indexFile);
    } catch (IOException e) {
      throw new DelineoException("cannot read checkpoint index " + indexFile + ": " + e, e);
    }
    Map<String, StoredTensor> tensors = new LinkedHashMap<>();
    boolean header = false;
    for (SsTable.Entry entry : SsTable.entries(indexFile.toString(), bytes)) {
      String name = new String(entry.key(), StandardCharsets.UTF_8);
      try {
        if (name.isEmpty()) {
          BundleHeaderProto.parseFrom(entry.value());
          header = true;
        } else {
          BundleEntryProto e = BundleEntryProto.parseFrom(entry.value());
          tensors.put(name, new StoredTensor(e.getDtype(), dims(e.getShape())));
        }
      } catch (InvalidProtocolBufferException e) {
        throw new DelineoException("checkpoint index " + indexFile + " is truncated or corrupt: the entry of '"
            + name + "' is not a " + (name.isEmpty() ? "BundleHeaderProto" : "BundleEntryProto"), e);
      }
    }
    if (!header) {
      throw new DelineoException("checkpoint index " + indexFile
          + " is truncated or corrupt: expected a bundle header under the empty key, found none");
    }
    return new TensorBundleIndex(indexFile, tensors);
  }

  /** The index file read. */
  public Path file() {
    return file;
  }

  /** Every tensor of the bundle by name, in the index's (byte-wise sorted) order. */
  public Map<String, StoredTensor> tensors() {
    return tensors;
  }

  private static long[] dims(TensorShapeProto shape) {
    long[] out = new long[shape.getDimCount()];
    for (int i = 0; i < out.length; i++) {
      out[i] = shape.getDim(i).getSize();
    }
    return out;
  }
}
