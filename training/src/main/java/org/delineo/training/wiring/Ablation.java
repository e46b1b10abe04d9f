package org.delineo.training.wiring;

import com.google.inject.Module;

/**
 * A named change to the base wiring, applied with {@code Modules.override(base).with(module)}.
 *
 * @param name the name given to {@code --ablate}
 * @param description one line for {@code delineo ablations}
 * @param module the overriding bindings
 */
public record Ablation(String name, String description, Module module) {}
