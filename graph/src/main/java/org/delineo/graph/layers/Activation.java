package org.delineo.graph.layers;

import java.util.Locale;
import java.util.Objects;
import org.delineo.graph.DelineoException;
import org.delineo.graph.GraphContext;
import org.delineo.graph.Layer;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * An activation chosen by name in a config ("relu", "leaky_relu:0.2", "gelu", "none", ...), so that
 * blocks can take their non-linearity as a parameter. {@link #toString()} gives the config name back.
 */
public final class Activation implements Layer {
  /** The identity: no non-linearity (e.g. before a residual add). */
  public static final Activation NONE = new Activation(Kind.NONE, 0f);
  public static final Activation RELU = new Activation(Kind.RELU, 0f);
  public static final Activation RELU6 = new Activation(Kind.RELU6, 0f);
  public static final Activation GELU = new Activation(Kind.GELU, 0f);
  public static final Activation SIGMOID = new Activation(Kind.SIGMOID, 0f);
  public static final Activation TANH = new Activation(Kind.TANH, 0f);

  /** PyTorch's {@code nn.LeakyReLU} default negative slope, used for a bare "leaky_relu". */
  public static final float DEFAULT_LEAKY_SLOPE = 0.01f;

  private static final String VALID_NAMES =
      "none, relu, relu6, leaky_relu, leaky_relu:<slope>, gelu, sigmoid, tanh";

  private enum Kind {
    NONE("none"),
    RELU("relu"),
    RELU6("relu6"),
    LEAKY_RELU("leaky_relu"),
    GELU("gelu"),
    SIGMOID("sigmoid"),
    TANH("tanh");

    final String configName;

    Kind(String configName) {
      this.configName = configName;
    }
  }

  private final Kind kind;
  private final float slope;

  private Activation(Kind kind, float slope) {
    this.kind = kind;
    this.slope = slope;
  }

  /** Leaky ReLU with negative-side {@code slope}. */
  public static Activation leakyRelu(float slope) {
    if (!Float.isFinite(slope)) {
      throw new DelineoException("leaky_relu slope must be a finite number, found " + slope);
    }
    return new Activation(Kind.LEAKY_RELU, slope);
  }

  /**
   * The activation a config names: one of none, relu, relu6, leaky_relu
   * (slope 0.01), leaky_relu:&lt;slope&gt;, gelu, sigmoid, tanh (case-insensitive). Throws a
   * {@link DelineoException} listing the valid names for anything else.
   */
  public static Activation parse(String name) {
    if (name == null) {
      throw new DelineoException("activation name missing; valid names: " + VALID_NAMES);
    }
    String text = name.trim().toLowerCase(Locale.ROOT);
    int colon = text.indexOf(':');
    String base = colon < 0 ? text : text.substring(0, colon).trim();
    String argument = colon < 0 ? null : text.substring(colon + 1).trim();
    for (Kind kind : Kind.values()) {
      if (!kind.configName.equals(base)) {
        continue;
      }
      if (kind == Kind.LEAKY_RELU) {
        return argument == null ? leakyRelu(DEFAULT_LEAKY_SLOPE) : leakyRelu(slopeOf(name, argument));
      }
      if (argument != null) {
        throw new DelineoException(
            "activation '" + name + "': " + base + " takes no parameter; valid names: " + VALID_NAMES);
      }
      return switch (kind) {
        case NONE -> NONE;
        case RELU -> RELU;
        case RELU6 -> RELU6;
        case GELU -> GELU;
        case SIGMOID -> SIGMOID;
        case TANH -> TANH;
        case LEAKY_RELU -> throw new AssertionError("handled above");
      };
    }
    throw new DelineoException("unknown activation '" + name + "'; valid names: " + VALID_NAMES);
  }

  private static float slopeOf(String name, String argument) {
    try {
      return Float.parseFloat(argument);
    } catch (NumberFormatException e) {
      throw new DelineoException(
          "activation '" + name + "': leaky_relu slope must be a number, found '" + argument + "'", e);
    }
  }

  /** Applies the activation to {@code x}; NONE returns {@code x} itself. */
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
    return switch (kind) {
      case NONE -> x;
      case RELU -> Activations.relu(tf, x);
      case RELU6 -> Activations.relu6(tf, x);
      case LEAKY_RELU -> Activations.leakyRelu(tf, x, slope);
      case GELU -> Activations.gelu(tf, x);
      case SIGMOID -> Activations.sigmoid(tf, x);
      case TANH -> Activations.tanh(tf, x);
    };
  }

  @Override
  public Operand<TFloat32> apply(GraphContext ctx, Operand<TFloat32> input) {
    return apply(ctx.tf(), input);
  }

  /** Whether this is the identity. */
  public boolean isNone() {
    return kind == Kind.NONE;
  }

  /** The config name, with the slope for leaky ReLU ("leaky_relu:0.2"); parse(toString()) is equal. */
  @Override
  public String toString() {
    return kind == Kind.LEAKY_RELU ? kind.configName + ":" + slope : kind.configName;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Activation a
        && a.kind == kind
        && Float.floatToIntBits(a.slope) == Float.floatToIntBits(slope);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, slope);
  }
}
