/**
 * Export and inference: SavedModel signatures and publishing, the signature contract every client
 * checks ({@link org.delineo.serving.ExportContract}), TF Serving config, prediction with sliding
 * windows in process and over TF Serving's REST API, and warm-up records.
 *
 * <p>May depend on: {@code graph}, {@code graph.checkpoint}, {@code graph.io}, {@code
 * proto.serving}, {@code serving.rest}.
 */
package org.delineo.serving;
