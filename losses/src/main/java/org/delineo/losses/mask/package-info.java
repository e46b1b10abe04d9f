/**
 * Building blocks of the Mask2Former training loss (mmdet 3.3.0 {@code Mask2FormerHead}; issue 15):
 * the per-image matching cost between queries and ground-truth masks ({@link
 * org.delineo.losses.mask.MatchingCost}, graph ops), the exact minimum-cost assignment on it
 * ({@link org.delineo.losses.mask.HungarianSolver}, plain Java), uncertainty-based point sampling
 * ({@link org.delineo.losses.mask.UncertaintyPointSampler}) and the mask losses on sampled points
 * ({@link org.delineo.losses.mask.PointMaskLosses}).
 *
 * <p>Graph mode cannot call a solver inside {@code Session.run}, so matching takes two runs: one
 * fetches each image's cost matrix [Q, T], the solver assigns in Java, and a second run feeds the
 * assignment to the losses. mmdet computes the cost without gradients ({@code cost.detach()} in
 * {@code HungarianAssigner.assign}); here the cost is simply fetched, never differentiated.
 *
 * <p>May depend on: {@code graph}, {@code graph.layers}.
 */
package org.delineo.losses.mask;
