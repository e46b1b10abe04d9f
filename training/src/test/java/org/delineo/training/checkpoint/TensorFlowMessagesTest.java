package org.delineo.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystemException;
import org.tensorflow.exceptions.TFResourceExhaustedException;
import org.tensorflow.exceptions.TensorFlowException;
import org.junit.jupiter.api.Test;

/**
 * TensorFlow's error texts reduced to their first line. The messages are verbatim those of
 * TensorFlow Java 1.1's {@code Session.save}, captured once into a full 64 KiB tmpfs and into a
 * missing folder.
 */
class TensorFlowMessagesTest {
  /** Session.save into a full device (a RESOURCE_EXHAUSTED status, hence the OOM hint). */
  static final String NO_SPACE = "/tmp/h3full/x/variables.data-00000-of-00001.tempstate10782151731520875535;"
      + " No space left on device\n"
      + "\t [[{{node save/Save}}]]\n"
      + "Hint: If you want to see a list of allocated tensors when OOM happens, add"
      + " report_tensor_allocations_upon_oom to RunOptions for current allocation info. This isn't available"
      + " when running in Eager mode.\n";
  /** Session.save into a folder that does not exist. */
  static final String NOT_FOUND = "/nonexistent/dir; No such file or directory\n\t [[{{node save/Save}}]]";

  @Test
  void firstLineDropsNodeNamesAndHints() {
    assertEquals("/tmp/h3full/x/variables.data-00000-of-00001.tempstate10782151731520875535; No space left on device",
        TensorFlowMessages.firstLine(NO_SPACE));
    assertEquals("/nonexistent/dir; No such file or directory", TensorFlowMessages.firstLine(NOT_FOUND));
    assertEquals("Incompatible shapes: [2] vs. [3]",
        TensorFlowMessages.firstLine("Incompatible shapes: [2] vs. [3] [[{{node add}}]]"));
    assertEquals("", TensorFlowMessages.firstLine(null));
  }

  @Test
  void aFullDeviceIsRecognisedFromTensorFlowAndJavaErrors() {
    assertTrue(TensorFlowMessages.isNoSpace(new TFResourceExhaustedException(NO_SPACE)));
    assertTrue(TensorFlowMessages.isNoSpace(new RuntimeException("wrapped",
        new FileSystemException("/w/checkpoints/.tmp-ckpt-8/state.pbtxt: No space left on device"))));
    assertFalse(TensorFlowMessages.isNoSpace(new TensorFlowException(NOT_FOUND)));
    assertFalse(TensorFlowMessages.isNoSpace(new IOException("disk full")));
  }
}
