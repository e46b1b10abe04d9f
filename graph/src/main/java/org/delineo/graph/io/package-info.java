/**
 * File and text plumbing shared by every module: {@link org.delineo.graph.io.SafeFiles}, the one
 * way to write a file or publish a directory atomically and durably (with {@link
 * org.delineo.graph.io.FileSync}, how it syncs), and {@link org.delineo.graph.io.JsonReader}, the
 * one JSON parser.
 *
 * <p>Why here: {@code graph} is the only module that both {@code serving} (export, serving config,
 * the REST client) and {@code training} (checkpoints, metrics, tables, data files, safetensors)
 * depend on, so one copy here replaces one per module. This package depends on the JDK and
 * {@link org.delineo.graph.DelineoException} only, never on TensorFlow or the rest of {@code
 * graph}; anything may import it.
 *
 * <p>May depend on: {@code graph}.
 */
package org.delineo.graph.io;
