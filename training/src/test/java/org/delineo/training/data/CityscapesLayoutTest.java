package org.delineo.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CityscapesLayoutTest {
  private static final int H = 3;
  private static final int W = 4;

  @TempDir Path root;

  /** RGB pixel (y, x) = (10 y + x, 100 + seed, 200 - x), written with plain ImageIO. */
  private static void writeRgb(Path file, int seed) throws IOException {
    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        img.setRGB(x, y, ((10 * y + x) << 16) | ((100 + seed) << 8) | (200 - x));
      }
    }
    Files.createDirectories(file.getParent());
    ImageIO.write(img, "png", file.toFile());
  }

  /** Grey label PNG whose pixel (y, x) is {@code values[y * W + x]}. */
  private static void writeLabels(Path file, int[] values, int h, int w) throws IOException {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    for (int i = 0; i < values.length; i++) {
      img.getRaster().setSample(i % w, i / w, 0, values[i]);
    }
    Files.createDirectories(file.getParent());
    ImageIO.write(img, "png", file.toFile());
  }

  private static int[] labelValues() {
    int[] v = new int[H * W];
    for (int i = 0; i < v.length; i++) {
      v[i] = i == 5 ? 255 : i % 19;
    }
    return v;
  }

  @Test
  void plainFoldersLoadImagesAndLabels() throws IOException {
    for (int i = 0; i < 7; i++) {
      writeRgb(root.resolve("images/img" + i + ".png"), i);
      writeLabels(root.resolve("labels/img" + i + ".png"), labelValues(), H, W);
    }
    CityscapesLayout layout = new CityscapesLayout(root);
    assertEquals(19, layout.numClasses(), "no dataset.txt: Cityscapes' 19 classes");
    assertEquals(3, layout.channels());
    assertFalse(layout.is3d());
    // Seeded fallback: 7 ids -> round(1.05) = 1 test, 1 val, 5 train.
    assertEquals(5, layout.ids(Split.TRAIN).size());
    assertEquals(1, layout.ids(Split.VAL).size());
    Sample s = layout.load("img3");
    assertArrayEquals(new int[] {H, W, 3}, s.imageShape());
    // Pixel (y, x) = (2, 1): R = 21, G = 103, B = 199, raw 8-bit values.
    int p = (2 * W + 1) * 3;
    assertArrayEquals(new float[] {21, 103, 199}, new float[] {s.image()[p], s.image()[p + 1],
        s.image()[p + 2]}, 0f);
    assertArrayEquals(labelValues(), s.label());
  }

  @Test
  void cityscapesOwnTreeGivesSplitsByFolder() throws IOException {
    String[][] files = {{"train", "aachen", "aachen_000000_000019"},
        {"train", "bremen", "bremen_000001_000019"}, {"val", "lindau", "lindau_000000_000019"}};
    for (String[] f : files) {
      writeRgb(root.resolve("leftImg8bit/" + f[0] + "/" + f[1] + "/" + f[2] + "_leftImg8bit.png"),
          0);
      writeLabels(root.resolve("gtFine/" + f[0] + "/" + f[1] + "/" + f[2]
          + "_gtFine_labelTrainIds.png"), labelValues(), H, W);
    }
    CityscapesLayout layout = new CityscapesLayout(root);
    assertEquals(List.of("aachen_000000_000019", "bremen_000001_000019"),
        layout.ids(Split.TRAIN));
    assertEquals(List.of("lindau_000000_000019"), layout.ids(Split.VAL));
    assertEquals(List.of(), layout.ids(Split.TEST));
    assertArrayEquals(labelValues(), layout.load("lindau_000000_000019").label());
  }

  @Test
  void datasetTxtSetsClassesAndOutOfRangeLabelsAreRejected() throws IOException {
    Files.writeString(root.resolve("dataset.txt"), "# test\nclasses: 5\nchannels: 3\n");
    writeRgb(root.resolve("images/a.png"), 0);
    writeLabels(root.resolve("labels/a.png"), labelValues(), H, W);
    CityscapesLayout layout = new CityscapesLayout(root);
    assertEquals(5, layout.numClasses());
    DelineoException e = assertThrows(DelineoException.class, () -> layout.load("a"));
    assertTrue(e.getMessage().contains("labels/a.png") || e.getMessage().contains("labels\\a.png"),
        e.getMessage());
    assertTrue(e.getMessage().contains("label 6"),
        "first value outside 0..4 and not 255: " + e.getMessage());
  }

  @Test
  void missingLabelFileIsNamed() throws IOException {
    writeRgb(root.resolve("images/a.png"), 0);
    DelineoException e =
        assertThrows(DelineoException.class, () -> new CityscapesLayout(root).load("a"));
    assertTrue(e.getMessage().contains(root.resolve("labels/a.png").toString()), e.getMessage());
  }

  @Test
  void labelOfAnotherSizeReportsBothSizes() throws IOException {
    writeRgb(root.resolve("images/a.png"), 0);
    writeLabels(root.resolve("labels/a.png"), new int[H * (W + 2)], H, W + 2);
    DelineoException e =
        assertThrows(DelineoException.class, () -> new CityscapesLayout(root).load("a"));
    assertTrue(e.getMessage().contains("[3, 4]"), "expected: " + e.getMessage());
    assertTrue(e.getMessage().contains("[3, 6]"), "found: " + e.getMessage());
  }

  @Test
  void rootWithoutEitherLayoutIsExplained() throws IOException {
    Files.createDirectories(root.resolve("pictures"));
    DelineoException e =
        assertThrows(DelineoException.class, () -> new CityscapesLayout(root));
    assertTrue(e.getMessage().contains("images/"), e.getMessage());
    assertTrue(e.getMessage().contains("leftImg8bit/"), e.getMessage());
  }
}
