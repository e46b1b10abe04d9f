package org.delineo.training.distribute;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class WorkerFailureTest {

  @Test
  void theCauseLineIsKeptWithoutTaskPrefixNodeOrLogs() {
    // As TensorFlow reports a collective that timed out (worker 1 gone).
    String message = """
        From /job:worker/replica:0/task:0:
        Collective has timed out during execution.
        \t [[{{node allreduce}}]]
        Recent warning and error logs:
          BaseCollectiveExecutor::StartAbort DEADLINE_EXCEEDED: Collective has timed out during execution.
        """;
    assertEquals("Collective has timed out during execution.", WorkerFailure.firstLine(message));
  }

  @Test
  void aSingleLineStaysAsItIs() {
    assertEquals("Invalid target", WorkerFailure.firstLine("  Invalid target  "));
    assertEquals("", WorkerFailure.firstLine(null));
  }
}
