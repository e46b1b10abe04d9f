package org.delineo.graph;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.delineo.graph.init.Initializer;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * Creates and reuses the graph's ref variables ({@code VariableV2}, the only kind TF Java's saver and
 * exporter handle) under flat dotted names. Asking twice for the same name returns the same
 * variable, which is how a module applied again (another view, tower or teacher path) shares its
 * weights. Every variable is read through one {@code identity}: some ops crash the JVM when fed a
 * raw ref.
 */
public final class VariableStore {
  /** TF op names; '/' is excluded because it breaks slot names derived from variable names. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]*");

  private final Ops root;
  private final long seed;
  private final Map<String, ModelVariable<?>> variables = new LinkedHashMap<>();

  /**
   * @param root ops at the graph root (no name scope, no control dependencies)
   * @param seed base seed from which every variable's initializer seed is derived by name
   */
  public VariableStore(Ops root, long seed) {
    this.root = root;
    this.seed = seed;
  }

  /**
   * Returns the float variable {@code name}, creating it on first request.
   *
   * @throws ShapeMismatchException if it exists with another shape
   * @throws DelineoException if it exists with another kind, or the name is not a valid flat name
   */
  public Operand<TFloat32> variable(String name, Shape shape, Initializer init, VariableKind kind) {
    return getOrCreate(
            name, shape, TFloat32.class, kind, initTf -> init.create(initTf, shape, seedFor(name)))
        .value();
  }

  /**
   * Returns the variable {@code name} of any type, creating it with the value built by {@code init}
   * (in the init scope) on first request. Used for counters and optimizer state.
   */
  public <T extends TType> ModelVariable<T> getOrCreate(
      String name, Shape shape, Class<T> type, VariableKind kind, Function<Ops, Operand<T>> init) {
    ModelVariable<?> existing = variables.get(name);
    if (existing != null) {
      return checkReuse(existing, shape, type, kind);
    }
    if (!NAME.matcher(name).matches()) {
      throw new DelineoException(
          "variable name '" + name + "' is not a flat dotted name matching " + NAME.pattern());
    }
    Operand<T> initial = init.apply(root.withInitScope());
    if (!initial.shape().isCompatibleWith(shape)) {
      throw new ShapeMismatchException("initial value of variable '" + name + "'", shape, initial.shape());
    }
    Variable<T> ref = root.withName(name).variable(initial);
    Operand<T> value = root.withName(name + "_read").identity(ref);
    ModelVariable<T> created = new ModelVariable<>(name, ref, value, shape, kind);
    variables.put(name, created);
    return created;
  }

  /** The variable with this name, if created. */
  public Optional<ModelVariable<?>> find(String name) {
    return Optional.ofNullable(variables.get(name));
  }

  /** All variables in creation order. */
  public List<ModelVariable<?>> all() {
    return Collections.unmodifiableList(new ArrayList<>(variables.values()));
  }

  /** The trainable float variables in creation order: what an optimizer differentiates. */
  @SuppressWarnings("unchecked")
  public List<ModelVariable<TFloat32>> trainable() {
    List<ModelVariable<TFloat32>> out = new ArrayList<>();
    for (ModelVariable<?> v : variables.values()) {
      if (v.trainable() && v.value().type() == TFloat32.class) {
        out.add((ModelVariable<TFloat32>) v);
      }
    }
    return out;
  }

  /** Number of trainable scalars (PyTorch's {@code sum(p.numel() for p in parameters())}). */
  public long trainableParameterCount() {
    return trainable().stream().mapToLong(ModelVariable::size).sum();
  }

  /** The seed of a variable's initializer: fixed by its name and the store's base seed. */
  long seedFor(String name) {
    long h = seed * 0x9E3779B97F4A7C15L + name.hashCode();
    h ^= h >>> 31;
    h *= 0xBF58476D1CE4E5B9L;
    h ^= h >>> 29;
    return h & 0x7FFFFFFFFFFFL;
  }

  @SuppressWarnings("unchecked")
  private static <T extends TType> ModelVariable<T> checkReuse(
      ModelVariable<?> existing, Shape shape, Class<T> type, VariableKind kind) {
    if (!existing.shape().equals(shape)) {
      throw new ShapeMismatchException("variable '" + existing.name() + "' reused", existing.shape(), shape);
    }
    if (existing.value().type() != type || existing.kind() != kind) {
      throw new DelineoException(
          "variable '" + existing.name() + "' reused as " + kind + " " + type.getSimpleName()
              + " but was created as " + existing.kind() + " " + existing.value().type().getSimpleName());
    }
    return (ModelVariable<T>) existing;
  }
}
