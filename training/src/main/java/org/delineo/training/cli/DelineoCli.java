package org.delineo.training.cli;

import java.util.Arrays;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.ParseException;
import org.delineo.graph.DelineoException;

/**
 * Entry point of the {@code delineo} launcher: dispatches the first argument to a {@link Command}.
 * User errors (bad config, bad files, bad options) print one clear message and exit with 2; they
 * are never shown as stack traces.
 */
public final class DelineoCli {
  /** Exit code for errors the user can fix (arguments, config, input files). */
  public static final int USAGE_ERROR = 2;

  private final Map<String, Command> commands = new LinkedHashMap<>();
  private final PrintStream out;
  private final PrintStream err;

  public DelineoCli(List<Command> commands, PrintStream out, PrintStream err) {
    for (Command c : commands) {
      this.commands.put(c.name(), c);
    }
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    int code = new DelineoCli(Commands.all(), System.out, System.err).run(args);
    System.exit(code);
  }

  /** Runs the command named by {@code args[0]} and returns the exit code. */
  public int run(String[] args) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
      printUsage(out);
      return args.length == 0 ? USAGE_ERROR : 0;
    }
    Command command = commands.get(args[0]);
    if (command == null) {
      err.println("delineo: unknown command '" + args[0] + "'; valid commands: "
          + String.join(", ", commands.keySet()));
      return USAGE_ERROR;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    if (List.of(rest).contains("--help") || List.of(rest).contains("-h")) {
      printCommandHelp(command);
      return 0;
    }
    try {
      CommandLine line = new DefaultParser().parse(command.options(), rest);
      return command.run(line, out);
    } catch (ParseException e) {
      err.println("delineo " + command.name() + ": " + e.getMessage());
      printCommandHelp(command);
      return USAGE_ERROR;
    } catch (DelineoException e) {
      err.println("delineo " + command.name() + ": " + e.getMessage());
      return USAGE_ERROR;
    } catch (Exception e) {
      err.println("delineo " + command.name() + " failed: " + e);
      e.printStackTrace(err);
      return 1;
    }
  }

  private void printUsage(PrintStream stream) {
    stream.println("usage: delineo <command> [options]   (delineo <command> --help for its options)");
    stream.println();
    stream.println("commands:");
    for (Command c : commands.values()) {
      stream.printf("  %-10s %s%n", c.name(), c.summary());
    }
  }

  private void printCommandHelp(Command command) {
    PrintWriter writer = new PrintWriter(out, true);
    new HelpFormatter()
        .printHelp(writer, 100, "delineo " + command.name() + " [options]", command.summary(),
            command.options(), 2, 4, "", true);
    writer.flush();
  }
}
