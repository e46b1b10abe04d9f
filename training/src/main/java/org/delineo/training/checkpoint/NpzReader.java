package org.delineo.training.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.io.NpyArray;
import org.delineo.training.data.io.NpyReader;

/**
 * Reads a NumPy {@code .npz} archive ({@code np.savez} or {@code np.savez_compressed}): each entry
 * {@code <name>.npy} is one array, decoded by {@link NpyReader} (its dtypes; held as float32).
 */
public final class NpzReader {
  private NpzReader() {}

  /** All arrays of {@code file}, in archive order, keyed by entry name without {@code .npy}. */
  public static Map<String, WeightArray> read(Path file) {
    Map<String, WeightArray> out = new LinkedHashMap<>();
    Path tmp = null;
    try (InputStream in = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(in)) {
      // NpyReader reads files; one scratch file is reused for every entry.
      tmp = Files.createTempFile("delineo-npz-", ".npy");
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        if (e.isDirectory()) {
          continue;
        }
        String name = e.getName().endsWith(".npy") ? e.getName().substring(0, e.getName().length() - 4) : e.getName();
        Files.write(tmp, zip.readAllBytes());
        NpyArray a = NpyReader.read(tmp);
        long[] shape = new long[a.shape().length];
        for (int i = 0; i < shape.length; i++) {
          shape[i] = a.shape()[i];
        }
        out.put(name, new WeightArray(shape, a.floats()));
      }
    } catch (IOException e) {
      throw new DelineoException("cannot read npz file " + file + ": " + e, e);
    } catch (DelineoException e) {
      throw new DelineoException("npz file " + file + ": " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // A leftover temporary file is harmless.
        }
      }
    }
    if (out.isEmpty()) {
      throw new DelineoException("npz file " + file + " holds no arrays (is it a zip of .npy files?)");
    }
    return out;
  }
}
