package org.delineo.training.distribute;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Worker processes for tests: JVMs on this test's class path, each running a main class with
 * arguments, whose stdout lines a test reads with a deadline and whose stdin it writes.
 * Closing kills every process still alive.
 */
final class WorkerProcesses implements AutoCloseable {
  private final List<Worker> workers = new ArrayList<>();

  /** One process: its stdin, a queue of its stdout lines, its stderr in a file. */
  static final class Worker {
    private final Process process;
    private final PrintWriter in;
    private final BlockingQueue<String> lines = new ArrayBlockingQueue<>(10_000);
    private final Path stderr;

    private Worker(Process process, Path stderr) {
      this.process = process;
      this.stderr = stderr;
      this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
      Thread reader = new Thread(() -> {
        try (BufferedReader out = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line = out.readLine(); line != null; line = out.readLine()) {
            lines.add(line);
          }
        } catch (IOException e) {
          // The process was killed.
        }
      });
      reader.setDaemon(true);
      reader.start();
    }

    /** Sends one line to the process's stdin. */
    void send(String line) {
      in.println(line);
    }

    /** Closes the process's stdin. */
    void endInput() {
      in.close();
    }

    /** The next stdout line that starts with one of {@code prefixes}, within {@code seconds}. */
    String await(double seconds, String... prefixes) throws InterruptedException {
      long deadline = System.nanoTime() + (long) (seconds * 1e9);
      while (true) {
        String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (line == null) {
          throw new AssertionError("no line starting with " + List.of(prefixes) + " within " + seconds + " s; "
              + describe());
        }
        for (String prefix : prefixes) {
          if (line.startsWith(prefix)) {
            return line;
          }
        }
      }
    }

    /** Waits for the process to end, at most {@code seconds}; its exit status. */
    int exitStatus(double seconds) throws InterruptedException {
      if (!process.waitFor((long) (seconds * 1000), TimeUnit.MILLISECONDS)) {
        throw new AssertionError("still running after " + seconds + " s; " + describe());
      }
      return process.exitValue();
    }

    void kill() throws InterruptedException {
      process.destroyForcibly().waitFor();
    }

    /** Every line the process wrote to stderr so far. */
    List<String> stderrLines() throws IOException {
      return Files.readAllLines(stderr);
    }

    /** The process's state and the end of its stderr, for assertion messages. */
    String describe() {
      String err;
      try {
        err = Files.readString(stderr);
      } catch (IOException e) {
        err = e.toString();
      }
      return (process.isAlive() ? "alive" : "exited " + process.exitValue()) + ", stderr ends: "
          + err.substring(Math.max(0, err.length() - 3000));
    }
  }

  /** Starts {@code mainClass} with {@code args} in a new JVM. */
  Worker start(Class<?> mainClass, Path dir, List<String> args) {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "-cp", System.getProperty("java.class.path"), mainClass.getName()));
    command.addAll(args);
    Path stderr = dir.resolve("worker-" + workers.size() + ".stderr");
    try {
      Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
      Worker worker = new Worker(process, stderr);
      workers.add(worker);
      return worker;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code count} local {@code 127.0.0.1:port} addresses on ports free right now. */
  static List<String> freeAddresses(int count) {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        sockets.add(new ServerSocket(0));
      }
      return sockets.stream().map(s -> "127.0.0.1:" + s.getLocalPort()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      for (ServerSocket s : sockets) {
        try {
          s.close();
        } catch (IOException e) {
          // Nothing held.
        }
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (Worker w : workers) {
      w.kill();
    }
  }
}
