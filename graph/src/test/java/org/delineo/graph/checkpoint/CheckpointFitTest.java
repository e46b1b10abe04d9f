package org.delineo.graph.checkpoint;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

class CheckpointFitTest {
  @TempDir Path dir;

  @Test
  void aCheckpointHoldingMoreThanTheGraphFits() {
    Path prefix = dir.resolve("variables");
    try (Graph train = new Graph()) {
      new BundleFixture(train).variable("conv.weight", TFloat32.class, 3, 3, 1, 4)
          .variable("conv.weight.adam_m", TFloat32.class, 3, 3, 1, 4).variable("step", TInt64.class).save(prefix);
    }
    try (Graph predict = new Graph()) {
      new BundleFixture(predict).variable("conv.weight", TFloat32.class, 3, 3, 1, 4);
      assertDoesNotThrow(() -> CheckpointFit.check(predict, prefix));
    }
  }

  @Test
  void listsEveryMismatchWithExpectedAndFoundOnOneLine() {
    Path prefix = dir.resolve("variables");
    try (Graph saved = new Graph()) {
      new BundleFixture(saved).variable("head.weight", TFloat32.class, 1, 1, 8, 5)
          .variable("head.bias", TFloat32.class, 5).variable("step", TInt64.class).save(prefix);
    }
    try (Graph g = new Graph()) {
      new BundleFixture(g).variable("head.weight", TFloat32.class, 1, 1, 8, 7)
          .variable("head.bias", TFloat32.class, 5).variable("step", TFloat32.class)
          .variable("aux.weight", TFloat32.class, 2);
      DelineoException e = assertThrows(DelineoException.class, () -> CheckpointFit.check(g, prefix));
      assertEquals("checkpoint " + prefix + " does not fit the model: 3 variables differ: "
          + "head.weight: expected [1, 1, 8, 7] float32, found [1, 1, 8, 5] float32; "
          + "step: expected [] float32, found [] int64; "
          + "aux.weight: missing from the checkpoint", e.getMessage());
    }
  }

  @Test
  void listsEightMismatchesThenCountsTheRest() {
    Path prefix = dir.resolve("variables");
    try (Graph saved = new Graph()) {
      new BundleFixture(saved).variable("other", TFloat32.class, 1).save(prefix);
    }
    try (Graph g = new Graph()) {
      BundleFixture f = new BundleFixture(g);
      for (int i = 0; i < 11; i++) {
        f.variable("v" + i, TFloat32.class, 2);
      }
      String msg = assertThrows(DelineoException.class, () -> CheckpointFit.check(g, prefix)).getMessage();
      assertTrue(msg.contains(": 11 variables differ: v0: missing from the checkpoint;"), msg);
      assertTrue(msg.contains("v7: missing from the checkpoint; and 3 more"), msg);
      assertTrue(!msg.contains("v8:") && !msg.contains("\n"), msg);
    }
  }
}
