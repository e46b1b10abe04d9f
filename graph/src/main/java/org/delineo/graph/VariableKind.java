package org.delineo.graph;

/**
 * The role of a variable, which decides whether it is trained and whether weight decay applies to it
 * by default (norm parameters and biases are excluded, as in mmsegmentation's paramwise configs).
 */
public enum VariableKind {
  /** Convolution, linear and attention weights: trained and decayed. */
  WEIGHT(true, true),
  /** Additive biases: trained, not decayed. */
  BIAS(true, false),
  /** Scale and shift of a normalisation layer: trained, not decayed. */
  NORM(true, false),
  /** Learned embeddings and tokens (positional embeddings, queries): trained, not decayed. */
  EMBEDDING(true, false),
  /** Running statistics, counters and optimizer slots: never trained. */
  STATE(false, false);

  private final boolean trainable;
  private final boolean decayedByDefault;

  VariableKind(boolean trainable, boolean decayedByDefault) {
    this.trainable = trainable;
    this.decayedByDefault = decayedByDefault;
  }

  /** Whether an optimizer updates variables of this kind. */
  public boolean trainable() {
    return trainable;
  }

  /** Whether weight decay applies unless a parameter group says otherwise. */
  public boolean decayedByDefault() {
    return decayedByDefault;
  }
}
