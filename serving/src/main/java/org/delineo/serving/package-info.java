/**
 * Export and inference: SavedModel signatures and publishing, TF Serving config, in-process
 * prediction with sliding windows, and warm-up records.
 *
 * <p>May depend on: {@code graph}, {@code graph.checkpoint}, {@code graph.io}, {@code
 * proto.serving}.
 */
package org.delineo.serving;
