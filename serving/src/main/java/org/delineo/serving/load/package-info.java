/**
 * A load-test harness that drives a SavedModel in process or a TF Serving server and reports
 * latency, throughput and memory.
 *
 * <p>May depend on: {@code graph}, {@code serving}, {@code serving.rest}.
 */
package org.delineo.serving.load;
