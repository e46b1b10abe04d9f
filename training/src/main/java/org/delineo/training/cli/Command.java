package org.delineo.training.cli;

import java.io.PrintStream;
import org.apache.commons.cli.Options;

/** One sub-command of the {@code delineo} launcher ({@code train}, {@code config}, ...). */
public interface Command {

  /** The word typed after {@code delineo}. */
  String name();

  /** One line for the command list. */
  String summary();

  /** The command's options (used for parsing and for {@code delineo NAME --help}). */
  Options options();

  /**
   * Runs the command on already-parsed options.
   *
   * @return the process exit code
   */
  int run(org.apache.commons.cli.CommandLine line, PrintStream out) throws Exception;
}
