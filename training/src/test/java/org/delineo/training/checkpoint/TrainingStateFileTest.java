package org.delineo.training.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.delineo.graph.DelineoException;
import org.delineo.proto.RandomStreamState;
import org.delineo.proto.TrainingState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingStateFileTest {

  @Test
  void roundTripsEveryFieldIncludingNonFiniteValues(@TempDir Path dir) throws Exception {
    TrainingState state = TrainingState.newBuilder()
        .setStep(1200).setEpoch(3).setIndexInEpoch(17).setSeed(-5)
        .addRandomStreams(RandomStreamState.newBuilder().setName("augment.worker0").setSeed(9)
            .addState(Long.MIN_VALUE).addState(Long.MAX_VALUE))
        .setBestMetric(Double.NaN).setBestStep(-1).setMetric(Double.POSITIVE_INFINITY)
        .setEarlyStoppingBest(Double.NEGATIVE_INFINITY).setEarlyStoppingWaitCount(2)
        .setScheduleStep(1200).setLastLoss(0.1 + 0.2).setWallTime(1.7e9 + 0.125)
        .setElapsedSeconds(3600.5)
        .build();
    Path file = TrainingStateFile.in(dir);
    TrainingStateFile.write(file, state);
    String text = Files.readString(file);
    assertTrue(text.contains("step: 1200") && text.contains("early_stopping_best: -Infinity"), text);
    TrainingState back = TrainingStateFile.read(file);
    assertEquals(state, back, "bitwise equal after the text round trip");
    assertEquals(0.1 + 0.2, back.getLastLoss(), 0.0);
    assertTrue(Double.isNaN(TrainingState.getDefaultInstance().getBestMetric()), "documented default");
  }

  @Test
  void errorsNameTheFile(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("nope/state.pbtxt");
    DelineoException e = assertThrows(DelineoException.class, () -> TrainingStateFile.read(missing));
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());

    Path truncated = dir.resolve("state.pbtxt");
    Files.writeString(truncated, "step: 5\nrandom_streams { name: \"x\"");
    DelineoException t = assertThrows(DelineoException.class, () -> TrainingStateFile.read(truncated));
    assertTrue(t.getMessage().contains(truncated.toString()) && t.getMessage().contains("corrupt"),
        t.getMessage());

    Files.write(truncated, new byte[] {(byte) 0xc3, 0x28});
    DelineoException binary = assertThrows(DelineoException.class, () -> TrainingStateFile.read(truncated));
    assertTrue(binary.getMessage().contains("UTF-8"), binary.getMessage());
  }
}
