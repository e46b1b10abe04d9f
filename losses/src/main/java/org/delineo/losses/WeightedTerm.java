package org.delineo.losses;

/**
 * One entry of a head's loss list: the term, its weight and the head whose logits it reads.
 *
 * @param head the model head ({@code decode} for the main logits, {@code aux} ...)
 * @param name the name logged for this term, e.g. {@code decode.cross_entropy}
 * @param weight the factor of the term in the total loss, possibly scheduled
 * @param term the loss function
 */
public record WeightedTerm(String head, String name, TermWeight weight, LossTerm term) {

  /** A term with a constant weight. */
  public WeightedTerm(String head, String name, float weight, LossTerm term) {
    this(head, name, TermWeight.constant(weight), term);
  }
}
