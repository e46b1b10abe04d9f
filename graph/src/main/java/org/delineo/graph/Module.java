package org.delineo.graph;

/**
 * Base of every graph module, following Sonnet: a module is configured once in its constructor and
 * can be applied many times; its variables are created on the first application and found again by
 * name on the next ones. The name is the module's dotted path in the model tree
 * ({@code backbone.layer1.0.conv1}); its variables are named {@code <name>.<param>}.
 */
public abstract class Module {
  private final String name;

  protected Module(String name) {
    if (name == null || name.isEmpty() || name.startsWith(".") || name.endsWith(".")) {
      throw new DelineoException("module name must be a non-empty dotted path, found '" + name + "'");
    }
    this.name = name;
  }

  /** The dotted path of this module. */
  public final String name() {
    return name;
  }

  /** The dotted path of a child module or variable of this one. */
  protected final String child(String suffix) {
    return name + "." + suffix;
  }
}
