package org.delineo.training.run;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.DoubleSupplier;
import org.delineo.graph.DelineoException;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.SessionLog;
import org.tensorflow.proto.Summary;

/**
 * Writes a TensorBoard event file ({@code events.out.tfevents.<seconds>.<host>}) from Java: TFRecord
 * framing of {@link Event} protos, the first one carrying {@code file_version "brain.Event:2"}, then
 * one event per scalar (a {@link Summary} value with {@code simple_value}). TensorBoard reads the
 * file while it grows; {@link #flush()} makes the scalars so far visible. Thread safe.
 *
 * <p>A resumed run calls {@link #sessionStart} first: TensorBoard's convention for a restart, which
 * makes it drop the events that earlier files of the folder hold for the steps trained again.
 */
public final class EventFileWriter implements Closeable {
  private final Path file;
  private final DoubleSupplier wallClock;
  private final OutputStream out;
  private boolean closed;

  /**
   * Creates {@code dir} if needed and a new event file in it.
   *
   * @throws DelineoException naming the file when it cannot be created
   */
  public EventFileWriter(Path dir) {
    this(dir, () -> System.currentTimeMillis() / 1000.0, hostName());
  }

  /** With a given clock (seconds since the epoch) and host name, for tests. */
  EventFileWriter(Path dir, DoubleSupplier wallClock, String host) {
    this.wallClock = wallClock;
    double now = wallClock.getAsDouble();
    String name = "events.out.tfevents." + (long) now + "." + host;
    Path candidate = dir.resolve(name);
    try {
      Files.createDirectories(dir);
      // Two writers started within one second get distinct files, as TensorBoard expects.
      for (int n = 1; Files.exists(candidate); n++) {
        candidate = dir.resolve(name + "." + n);
      }
      this.file = candidate;
      this.out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE));
    } catch (IOException e) {
      throw new DelineoException("cannot create event file " + candidate + ": " + e, e);
    }
    write(Event.newBuilder().setWallTime(now).setFileVersion("brain.Event:2").build());
    flush();
  }

  /** The event file written. */
  public Path file() {
    return file;
  }

  /**
   * Records that a session starts (again) at {@code firstStep}: an event with
   * {@code session_log { status: START }} at that step. TensorBoard's event accumulator, purging
   * orphaned data (its default) in files of version 2 as written here, then discards every event
   * it has read so far with a step of {@code firstStep} or later, so the steps a resumed run
   * repeats are not shown twice. Call it before any scalar.
   */
  public void sessionStart(long firstStep) {
    write(Event.newBuilder().setWallTime(wallClock.getAsDouble()).setStep(firstStep)
        .setSessionLog(SessionLog.newBuilder().setStatus(SessionLog.SessionStatus.START)).build());
    flush();
  }

  /** Records scalar {@code tag} (e.g. {@code train/loss}) at {@code step}. */
  public void scalar(String tag, long step, double value) {
    Summary summary = Summary.newBuilder()
        .addValue(Summary.Value.newBuilder().setTag(tag).setSimpleValue((float) value))
        .build();
    write(Event.newBuilder().setWallTime(wallClock.getAsDouble()).setStep(step)
        .setSummary(summary).build());
  }

  /** Pushes buffered records to the file. */
  public synchronized void flush() {
    if (closed) {
      return;
    }
    try {
      out.flush();
    } catch (IOException e) {
      throw new DelineoException("cannot write event file " + file + ": " + e, e);
    }
  }

  /** Flushes and closes the file; later calls do nothing. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      out.close();
    } catch (IOException e) {
      throw new DelineoException("cannot close event file " + file + ": " + e, e);
    }
  }

  private synchronized void write(Event event) {
    if (closed) {
      throw new DelineoException("event file " + file + " is closed");
    }
    try {
      out.write(TfRecordFraming.frame(event.toByteArray()));
    } catch (IOException e) {
      throw new DelineoException("cannot write event file " + file + ": " + e, e);
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }
}
