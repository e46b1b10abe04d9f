/**
 * A client for TF Serving's REST API: request and response formats, metadata and version status.
 *
 * <p>May depend on: {@code graph}, {@code graph.io}.
 */
package org.delineo.serving.rest;
