package org.delineo.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.delineo.graph.DelineoException;
import org.delineo.proto.MetricRule;
import org.delineo.proto.TrainingState;
import org.tensorflow.exceptions.TFResourceExhaustedException;
import org.tensorflow.exceptions.TensorFlowException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failed checkpoint save reads as one line: which checkpoint, why, and which one is still good.
 * The TensorFlow errors are raised with the exact texts TensorFlow produced (see
 * {@link TensorFlowMessagesTest}) just after the variables were written.
 */
class CheckpointSaveFailureTest {
  @TempDir Path dir;

  private DelineoException saveFailing(RuntimeException failure) {
    try (TinyModel model = new TinyModel(true)) {
      CheckpointManager manager = new CheckpointManager(dir, 3, false, MetricRule.GREATER);
      manager.save(model.session, TrainingState.newBuilder().setStep(6).build(), null);
      manager.onStage((stage, path) -> {
        if (stage == CheckpointManager.Stage.VARIABLES_SAVED) {
          throw failure;
        }
      });
      return assertThrows(DelineoException.class,
          () -> manager.save(model.session, TrainingState.newBuilder().setStep(8).build(), null));
    }
  }

  @Test
  void aFullDeviceIsOneLineWithTheLastGoodCheckpoint() {
    DelineoException e = saveFailing(new TFResourceExhaustedException(TensorFlowMessagesTest.NO_SPACE));
    assertEquals("cannot write checkpoint ckpt-8 into " + dir + ": no space left on device;"
        + " the last good checkpoint is ckpt-6 (free space, then --resume)", e.getMessage());
  }

  @Test
  void otherTensorFlowErrorsKeepTheirFirstLineOnly() {
    DelineoException e = saveFailing(new TensorFlowException(TensorFlowMessagesTest.NOT_FOUND));
    assertEquals("cannot write checkpoint ckpt-8 into " + dir + ": /nonexistent/dir; No such file or directory;"
        + " the last good checkpoint is ckpt-6", e.getMessage());
  }
}
