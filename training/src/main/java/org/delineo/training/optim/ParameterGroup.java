package org.delineo.training.optim;

import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.delineo.graph.DelineoException;
import org.delineo.graph.ModelVariable;

/**
 * Per-variable learning-rate and weight-decay multipliers, as mmengine's {@code paramwise_cfg}
 * custom keys (e.g. a 0.1 learning rate for a pretrained {@code backbone.}). An optimizer uses the
 * first group in its list that matches a variable's name; variables no group matches get
 * multiplier 1 for the rate and the default decay.
 *
 * <p>A group matches a name that starts with {@code namePrefixOrRegex}, or that the string,
 * read as a regular expression, matches entirely ({@code ".*\\.bias"}). Prefixes should end with
 * the dot ({@code "backbone."}), otherwise {@code "backbone"} also matches {@code "backbone2.x"}.
 *
 * <p>Default decay: the optimizer's weight decay applies to variables whose
 * {@link org.delineo.graph.VariableKind#decayedByDefault()} is true (weights), not to norms, biases
 * and embeddings — mmseg's {@code norm_decay_mult=0, bias_decay_mult=0}. A group with a non-null
 * {@code decayMultiplier} replaces that default for its variables: decay = weightDecay · multiplier.
 *
 * @param namePrefixOrRegex a name prefix or a regular expression over whole names
 * @param lrMultiplier factor on the scheduled learning rate, finite and >= 0
 * @param decayMultiplier factor on the weight decay, or null to keep the default by variable kind
 */
public record ParameterGroup(String namePrefixOrRegex, float lrMultiplier, Float decayMultiplier) {

  public ParameterGroup {
    if (namePrefixOrRegex == null || namePrefixOrRegex.isEmpty()) {
      throw new DelineoException("parameter group needs a non-empty name prefix or regex, found '"
          + namePrefixOrRegex + "'");
    }
    if (!Float.isFinite(lrMultiplier) || lrMultiplier < 0) {
      throw new DelineoException("parameter group '" + namePrefixOrRegex
          + "': lrMultiplier must be finite and >= 0, found " + lrMultiplier);
    }
    if (decayMultiplier != null && (!Float.isFinite(decayMultiplier) || decayMultiplier < 0)) {
      throw new DelineoException("parameter group '" + namePrefixOrRegex
          + "': decayMultiplier must be finite and >= 0 (or null for the default), found "
          + decayMultiplier);
    }
  }

  /** Whether this group applies to the variable named {@code name}. */
  public boolean matches(String name) {
    if (name.startsWith(namePrefixOrRegex)) {
      return true;
    }
    try {
      return Pattern.compile(namePrefixOrRegex).matcher(name).matches();
    } catch (PatternSyntaxException notARegex) {
      return false;
    }
  }

  /** The first group of {@code groups} matching {@code name}, or null. */
  static ParameterGroup firstMatch(List<ParameterGroup> groups, String name) {
    for (ParameterGroup g : groups) {
      if (g.matches(name)) {
        return g;
      }
    }
    return null;
  }

  /** The learning-rate multiplier of {@code variable} under {@code groups}. */
  static float lrMultiplierOf(List<ParameterGroup> groups, ModelVariable<?> variable) {
    ParameterGroup g = firstMatch(groups, variable.name());
    return g == null ? 1f : g.lrMultiplier();
  }

  /** The weight-decay multiplier of {@code variable} under {@code groups}. */
  static float decayMultiplierOf(List<ParameterGroup> groups, ModelVariable<?> variable) {
    ParameterGroup g = firstMatch(groups, variable.name());
    if (g != null && g.decayMultiplier() != null) {
      return g.decayMultiplier();
    }
    return variable.kind().decayedByDefault() ? 1f : 0f;
  }
}
