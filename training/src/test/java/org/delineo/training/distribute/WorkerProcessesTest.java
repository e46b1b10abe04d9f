package org.delineo.training.distribute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two worker processes on 127.0.0.1, each with its own TensorFlow gRPC server and a session on its
 * own target ({@link TargetSession}), meet in a CollectiveReduceV2 across the processes; when one
 * is killed, the other's collective fails within its timeout instead of hanging.
 */
class WorkerProcessesTest {
  private static final double START_SECONDS = 60;
  private static final double STEP_TIMEOUT_SECONDS = 4;

  @TempDir Path dir;

  @Test
  void twoProcessesAverageTheirValuesInBoth() throws Exception {
    try (WorkerProcesses processes = new WorkerProcesses()) {
      List<WorkerProcesses.Worker> workers = startTwo(processes);
      for (int step = 0; step < 2; step++) {
        workers.forEach(w -> w.send("step"));
        for (WorkerProcesses.Worker w : workers) {
          // Worker 0 holds [1, 10], worker 1 [2, 20]: the mean is [1.5, 15] in both.
          assertEquals("mean 1.5 15.0", w.await(START_SECONDS, "mean", "error"));
        }
      }
      workers.forEach(WorkerProcesses.Worker::endInput);
      for (WorkerProcesses.Worker w : workers) {
        assertEquals(0, w.exitStatus(START_SECONDS), w.describe());
      }
    }
  }

  @Test
  void killingOneWorkerFailsTheOthersCollectiveWithinItsTimeout() throws Exception {
    try (WorkerProcesses processes = new WorkerProcesses()) {
      List<WorkerProcesses.Worker> workers = startTwo(processes);
      workers.forEach(w -> w.send("step"));
      for (WorkerProcesses.Worker w : workers) {
        assertEquals("mean 1.5 15.0", w.await(START_SECONDS, "mean", "error"));
      }
      workers.get(1).kill();
      long began = System.nanoTime();
      workers.get(0).send("step");
      String line = workers.get(0).await(START_SECONDS, "mean", "error");
      double seconds = (System.nanoTime() - began) / 1e9;
      assertTrue(line.startsWith("error ") && line.contains("timed out"), line);
      assertTrue(seconds >= STEP_TIMEOUT_SECONDS * 0.9 && seconds < STEP_TIMEOUT_SECONDS + 20,
          "failed after " + seconds + " s with a " + STEP_TIMEOUT_SECONDS + " s timeout");
      assertNotEquals(0, workers.get(0).exitStatus(START_SECONDS));
    }
  }

  private List<WorkerProcesses.Worker> startTwo(WorkerProcesses processes) throws InterruptedException {
    String cluster = String.join(",", WorkerProcesses.freeAddresses(2));
    List<WorkerProcesses.Worker> workers = List.of(
        processes.start(CollectiveWorkerMain.class, dir, List.of(cluster, "0", "" + STEP_TIMEOUT_SECONDS)),
        processes.start(CollectiveWorkerMain.class, dir, List.of(cluster, "1", "" + STEP_TIMEOUT_SECONDS)));
    for (WorkerProcesses.Worker w : workers) {
      assertEquals("ready", w.await(START_SECONDS, "ready", "error"));
    }
    return workers;
  }
}
