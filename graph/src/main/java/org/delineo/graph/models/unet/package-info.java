/**
 * The 2D U-Net used by the quickstart and as SemSim's base network.
 *
 * <p>May depend on: {@code graph}, {@code graph.init}, {@code graph.layers}, {@code graph.model}.
 */
package org.delineo.graph.models.unet;
