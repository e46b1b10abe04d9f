package org.delineo.training.data.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overlays against pixel values worked out by hand: grey rescaled so the minimum is 0 and the
 * maximum 255, class 0 left as the image, class k blended half and half with its colour (class 1
 * is 0xE6194B = (230, 25, 75), class 2 is 0x3CB44B = (60, 180, 75)), rounded half up.
 */
class OverlayTest {
  @TempDir Path dir;

  private static float[] rgb(DecodedImage image, int y, int x) {
    return new float[] {image.get(y, x, 0), image.get(y, x, 1), image.get(y, x, 2)};
  }

  @Test
  void greyImageBlendsEachClassWithItsColour() {
    Path file = dir.resolve("o.png");
    // Grey 10, 20, 30 → 0, 127.5, 255.
    Overlay.write(file, new DecodedImage(1, 3, 1, new float[] {10, 20, 30}), new int[] {0, 1, 2});
    DecodedImage o = ImageReader.read(file);
    assertEquals(3, o.channels());
    assertArrayEquals(new float[] {0, 0, 0}, rgb(o, 0, 0), "background: the grey value");
    // (127.5 + 230) / 2 = 178.75 → 179; (127.5 + 25) / 2 = 76.25 → 76; (127.5 + 75) / 2 = 101.25 → 101.
    assertArrayEquals(new float[] {179, 76, 101}, rgb(o, 0, 1), "class 1");
    // (255 + 60) / 2 = 157.5 → 158; (255 + 180) / 2 = 217.5 → 218; (255 + 75) / 2 = 165.
    assertArrayEquals(new float[] {158, 218, 165}, rgb(o, 0, 2), "class 2");
  }

  @Test
  void rgbImageKeepsItsColoursUnderBackground() {
    Path file = dir.resolve("c.png");
    Overlay.write(file, new DecodedImage(1, 2, 3, new float[] {10, 20, 30, 200, 100, 0}), new int[] {0, 1});
    DecodedImage o = ImageReader.read(file);
    assertArrayEquals(new float[] {10, 20, 30}, rgb(o, 0, 0));
    // (200 + 230) / 2 = 215; (100 + 25) / 2 = 62.5 → 63; (0 + 75) / 2 = 37.5 → 38.
    assertArrayEquals(new float[] {215, 63, 38}, rgb(o, 0, 1));
  }

  @Test
  void volumeShowsItsMiddleSlice() {
    Path file = dir.resolve("v.png");
    // Row-major [D=3, H=1, W=2]: slice 1 holds 5 and 9 (→ 0 and 255); the others would rescale otherwise.
    NiftiVolume v = NiftiVolume.ofRowMajor(new float[] {-100, 100, 5, 9, 0, 1000}, new int[] {3, 1, 2},
        new double[] {1, 1, 1});
    Overlay.writeMiddleSlice(file, v, new int[] {1, 1, 0, 1, 2, 2});
    DecodedImage o = ImageReader.read(file);
    assertEquals(1, o.height());
    assertEquals(2, o.width());
    assertArrayEquals(new float[] {0, 0, 0}, rgb(o, 0, 0), "slice 1, background");
    // (255 + 230) / 2 = 242.5 → 243; (255 + 25) / 2 = 140; (255 + 75) / 2 = 165.
    assertArrayEquals(new float[] {243, 140, 165}, rgb(o, 0, 1), "slice 1, class 1");
  }

  @Test
  void labelVolumeKeepsTheGridAndStoresUnsignedBytes() {
    double[][] affine = {{0, -1.5, 0, 10}, {1.2, 0, 0, -5}, {0, 0, 2, 3}, {0, 0, 0, 1}};
    NiftiVolume image = new NiftiVolume(new float[] {0.5f, 7f}, new int[] {2, 1, 1}, new double[] {1.2, 1.5, 2},
        affine, NiftiDatatype.FLOAT32.code(), 0f, 0f);
    Path file = dir.resolve("l.nii.gz");
    NiftiWriter.write(file, image.withLabels(new int[] {4, 0}));
    NiftiVolume back = NiftiReader.read(file);
    assertArrayEquals(new float[] {4, 0}, back.data());
    assertArrayEquals(new int[] {2, 1, 1}, back.dims());
    assertEquals(NiftiDatatype.UINT8.code(), back.datatype());
    for (int r = 0; r < 4; r++) {
      assertArrayEquals(affine[r], back.affine()[r], 1e-6, "affine row " + r + " (float32 header)");
    }
  }
}
