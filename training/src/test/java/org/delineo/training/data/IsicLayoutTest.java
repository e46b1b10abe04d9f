package org.delineo.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.delineo.graph.DelineoException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IsicLayoutTest {
  private static final int H = 8;
  private static final int W = 8;

  @TempDir Path root;

  private Path image(String id) {
    return root.resolve(IsicLayout.IMAGE_DIR).resolve(id + ".jpg");
  }

  private Path mask(String id) {
    return root.resolve(IsicLayout.MASK_DIR).resolve(id + IsicLayout.MASK_SUFFIX);
  }

  /** A constant-colour JPEG (JPEG reproduces flat colour to within a few levels). */
  private void writeJpeg(String id, int r, int g, int b) throws IOException {
    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        img.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    Files.createDirectories(image(id).getParent());
    ImageIO.write(img, "jpg", image(id).toFile());
  }

  /** Mask: the left half 255 (lesion), the right half {@code right}. */
  private void writeMask(String id, int right) throws IOException {
    BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        img.getRaster().setSample(x, y, 0, x < W / 2 ? 255 : right);
      }
    }
    Files.createDirectories(mask(id).getParent());
    ImageIO.write(img, "png", mask(id).toFile());
  }

  @Test
  void loadsRgbImagesAndBinaryMasks() throws IOException {
    writeJpeg("ISIC_0000001", 200, 120, 40);
    writeMask("ISIC_0000001", 0);
    writeJpeg("ISIC_0000002", 10, 20, 30);
    writeMask("ISIC_0000002", 0);
    IsicLayout layout = new IsicLayout(root);
    List<String> all = new java.util.ArrayList<>();
    for (Split s : Split.values()) {
      all.addAll(layout.ids(s));
    }
    all.sort(null);
    assertEquals(List.of("ISIC_0000001", "ISIC_0000002"), all);
    Sample s = layout.load("ISIC_0000001");
    assertArrayEquals(new int[] {H, W, 3}, s.imageShape());
    // JPEG is lossy: flat colour within 4 levels.
    assertEquals(200, s.image()[0], 4);
    assertEquals(120, s.image()[1], 4);
    assertEquals(40, s.image()[2], 4);
    int[] expected = new int[H * W];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = i % W < W / 2 ? 1 : 0;
    }
    assertArrayEquals(expected, s.label(), "255 -> 1, 0 -> 0");
    assertEquals(2, layout.numClasses());
    assertEquals(3, layout.channels());
  }

  @Test
  void missingMaskNamesTheExpectedPath() throws IOException {
    writeJpeg("ISIC_0000003", 1, 2, 3);
    IsicLayout layout = new IsicLayout(root);
    DelineoException e =
        assertThrows(DelineoException.class, () -> layout.load("ISIC_0000003"));
    assertTrue(e.getMessage().contains(mask("ISIC_0000003").toString()), e.getMessage());
  }

  @Test
  void corruptImageNamesTheFile() throws IOException {
    writeJpeg("ISIC_0000004", 1, 2, 3);
    writeMask("ISIC_0000004", 0);
    byte[] bytes = Files.readAllBytes(image("ISIC_0000004"));
    Files.write(image("ISIC_0000004"), Arrays.copyOf(bytes, bytes.length / 2));
    IsicLayout layout = new IsicLayout(root);
    DelineoException e =
        assertThrows(DelineoException.class, () -> layout.load("ISIC_0000004"));
    assertTrue(e.getMessage().contains(image("ISIC_0000004").toString()), e.getMessage());
  }

  @Test
  void maskValuesOtherThanZeroAnd255AreErrors() throws IOException {
    writeJpeg("ISIC_0000005", 1, 2, 3);
    writeMask("ISIC_0000005", 128);
    IsicLayout layout = new IsicLayout(root);
    DelineoException e =
        assertThrows(DelineoException.class, () -> layout.load("ISIC_0000005"));
    assertTrue(e.getMessage().contains(mask("ISIC_0000005").toString())
        && e.getMessage().contains("128"), e.getMessage());
  }
}
