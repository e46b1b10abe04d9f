package org.delineo.training.checkpoint;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.delineo.graph.DelineoException;
import org.delineo.proto.ModelConfig;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;

/**
 * Initialises a model's variables from {@code model.init_checkpoint} before training starts from
 * scratch (after {@code session.initialize()}, never on resume):
 * <ul>
 *   <li>{@code .safetensors} and {@code .npz} files hold PyTorch state dicts: names are mapped by
 *       {@link PretrainedNames} and arrays converted by {@link PytorchLayout} (OIHW → HWIO etc.);
 *   <li>our own checkpoints (a {@code ckpt-N} directory or a bundle prefix such as
 *       {@code ckpt-N/variables}) are read by name in our layout, so nothing is "unexpected".
 * </ul>
 * {@code init_checkpoint_modules} restricts loading to variables named {@code m} or {@code m.*}
 * (e.g. {@code backbone}); file names outside them are skipped. The model's variables are the
 * graph's float {@code VariableV2} ops except optimizer state (a variable named
 * {@code <variable>.<slot>}). In strict mode ({@code init_checkpoint_strict}) any missing,
 * unexpected or shape-mismatched name fails before anything is assigned; otherwise they are
 * printed and skipped.
 */
public final class InitCheckpoint {
  private InitCheckpoint() {}

  /**
   * Applies {@code config.init_checkpoint} (nothing when empty), printing the report to {@code out}.
   *
   * @throws DelineoException when the file is unreadable, or strict mode finds problems (listed)
   */
  public static Optional<InitCheckpointReport> apply(Session session, Graph graph, ModelConfig config,
      PrintStream out) {
    if (config.getInitCheckpoint().isEmpty()) {
      return Optional.empty();
    }
    InitCheckpointReport report = load(session, graph, Path.of(config.getInitCheckpoint()),
        config.getInitCheckpointModulesList(), config.getInitCheckpointStrict());
    out.println(report.format());
    return Optional.of(report);
  }

  /** Loads {@code file} into the graph's model variables; see the class comment. */
  public static InitCheckpointReport load(Session session, Graph graph, Path file, List<String> modules,
      boolean strict) {
    return load(session, graph, file, modules, strict, Set.of());
  }

  /**
   * As {@link #load(Session, Graph, Path, List, boolean)} into an EVAL or PREDICT graph, which lacks
   * the variables only training builds (auxiliary heads): file names that match {@code trainOnly}
   * (the TRAIN graph's model variables missing here) are reported as train-only, not unexpected,
   * so a full state dict passes strict mode.
   */
  public static InitCheckpointReport load(Session session, Graph graph, Path file, List<String> modules,
      boolean strict, Set<String> trainOnly) {
    Map<String, Output<TFloat32>> variables = modelVariables(graph);
    List<String> wanted = variables.keySet().stream().filter(n -> within(n, modules)).toList();
    String fileName = file.getFileName() == null ? file.toString() : file.getFileName().toString();
    Map<String, WeightArray> values = new LinkedHashMap<>(); // our name → array in the file's layout
    List<String> unexpected = new ArrayList<>();
    List<String> trainOnlyFound = new ArrayList<>();
    int skipped = 0;
    boolean pytorch;
    if (fileName.endsWith(".safetensors") || fileName.endsWith(".npz")) {
      pytorch = true;
      Map<String, WeightArray> raw = fileName.endsWith(".npz") ? NpzReader.read(file) : SafetensorsReader.read(file);
      Map<String, String> mapped = PretrainedNames.map(raw.keySet(), variables.keySet());
      skipped += raw.size() - mapped.size();
      for (Map.Entry<String, String> e : mapped.entrySet()) {
        String ours = e.getValue();
        if (!within(ours, modules)) {
          skipped++;
        } else if (variables.containsKey(ours)) {
          values.put(ours, raw.get(e.getKey()));
        } else if (trainOnly.contains(ours)) {
          trainOnlyFound.add(ours);
        } else {
          unexpected.add(e.getKey().equals(ours) ? ours : e.getKey() + " (as " + ours + ")");
        }
      }
    } else {
      pytorch = false;
      values.putAll(BundleReader.read(bundlePrefix(file), wanted));
    }

    List<String> missing = new ArrayList<>();
    List<String> mismatched = new ArrayList<>();
    Map<String, float[]> assign = new LinkedHashMap<>();
    for (String name : wanted) {
      WeightArray a = values.get(name);
      if (a == null) {
        missing.add(name);
        continue;
      }
      long[] target = variables.get(name).shape().asArray();
      Optional<float[]> converted = pytorch ? PytorchLayout.toOurs(a, target)
          : Arrays.equals(a.shape(), target) ? Optional.of(a.values()) : Optional.empty();
      if (converted.isPresent()) {
        assign.put(name, converted.get());
      } else {
        mismatched.add(name + ": ours " + Arrays.toString(target) + ", file " + a.shapeText());
      }
    }
    InitCheckpointReport report = new InitCheckpointReport(file.toString(), List.copyOf(assign.keySet()),
        missing, unexpected, mismatched, trainOnlyFound, skipped);
    if (strict && !report.clean()) {
      throw new DelineoException("init_checkpoint " + file + " does not match the model (strict mode; set"
          + " model.init_checkpoint_strict: false to load what fits):\n" + report.format());
    }
    VariableAssignment.assign(session, graph, variables, assign, VariableAssignment.DEFAULT_FLOATS_PER_RUN);
    return report;
  }

  /** Whether {@code name} lies under one of {@code modules} (all when empty). */
  static boolean within(String name, List<String> modules) {
    if (modules.isEmpty()) {
      return true;
    }
    for (String m : modules) {
      if (name.equals(m) || name.startsWith(m + ".")) {
        return true;
      }
    }
    return false;
  }

  /** Float VariableV2 outputs by name, without optimizer slots ({@code <variable>.<slot>}). */
  public static Map<String, Output<TFloat32>> modelVariables(Graph graph) {
    Map<String, Output<TFloat32>> all = new LinkedHashMap<>();
    for (Iterator<GraphOperation> it = graph.operations(); it.hasNext(); ) {
      GraphOperation op = it.next();
      if (op.type().equals("VariableV2") && (op.output(0).dataType() == DataType.DT_FLOAT_REF
          || op.output(0).dataType() == DataType.DT_FLOAT)) {
        all.put(op.name(), op.output(0).expect(TFloat32.class));
      }
    }
    Set<String> slots = new HashSet<>();
    for (String name : all.keySet()) {
      for (int dot = name.lastIndexOf('.'); dot > 0; dot = name.lastIndexOf('.', dot - 1)) {
        if (all.containsKey(name.substring(0, dot))) {
          slots.add(name);
          break;
        }
      }
    }
    all.keySet().removeAll(slots);
    return all;
  }

  /** A {@code ckpt-N} directory's bundle, or the prefix itself ({@code .index} stripped). */
  private static Path bundlePrefix(Path file) {
    if (Files.isDirectory(file)) {
      Path prefix = file.resolve(CheckpointManager.VARIABLES_PREFIX);
      if (!Files.isRegularFile(file.resolve(CheckpointManager.VARIABLES_PREFIX + ".index"))) {
        throw new DelineoException("init_checkpoint " + file + ": expected a checkpoint directory holding "
            + CheckpointManager.VARIABLES_PREFIX + ".index, a .safetensors or a .npz file");
      }
      return prefix;
    }
    String s = file.toString();
    Path prefix = s.endsWith(".index") ? Path.of(s.substring(0, s.length() - ".index".length())) : file;
    if (!Files.isRegularFile(Path.of(prefix + ".index"))) {
      throw new DelineoException("init_checkpoint " + file + " not found; expected a .safetensors file, a .npz file,"
          + " a checkpoint directory (ckpt-N) or a bundle prefix with a .index file");
    }
    return prefix;
  }
}
