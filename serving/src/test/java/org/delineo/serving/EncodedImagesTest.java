package org.delineo.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.delineo.graph.Tensors;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TString;

class EncodedImagesTest {

  /** An 8-bit grey PNG written with javax.imageio, independent of TF. */
  static byte[] greyPng(int[][] pixels) throws IOException {
    BufferedImage img = new BufferedImage(pixels[0].length, pixels.length, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < pixels.length; y++) {
      for (int x = 0; x < pixels[0].length; x++) {
        img.getRaster().setSample(x, y, 0, pixels[y][x]);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  /** Pixels of a PNG read back with javax.imageio, row-major. */
  static int[] readGrey(byte[] png) throws IOException {
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
    int[] v = new int[img.getWidth() * img.getHeight()];
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        v[y * img.getWidth() + x] = img.getRaster().getSample(x, y, 0);
      }
    }
    return v;
  }

  @Test
  void decodesABatchAndEncodesEachLabelMapBack() throws IOException {
    int[][] a = {{0, 10, 20}, {30, 40, 250}};
    int[][] b = {{5, 6, 7}, {8, 9, 100}};
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TString> bytes = tf.placeholder(TString.class, Placeholder.shape(Shape.of(-1)));
      Operand<TFloat32> images = EncodedImages.decode(tf, bytes, 1);
      assertArrayEquals(new long[] {-1, -1, -1, 1}, images.shape().asArray());
      // Labels: pixel value modulo 4, so the encoded maps are known in plain Java.
      Operand<TInt32> labels = tf.math.floorMod(tf.squeeze(tf.dtypes.cast(images, TInt32.class)), tf.constant(4));
      Operand<TString> pngs = EncodedImages.encodePng(tf, labels);
      try (TString in = TString.tensorOfBytes(NdArrays.vectorOfObjects(greyPng(a), greyPng(b)));
          Result r = s.runner().feed(bytes, in).fetch(images).fetch(pngs).run()) {
        assertArrayEquals(new long[] {2, 2, 3, 1}, r.get(0).shape().asArray());
        float[] decoded = Tensors.toFloats(r.get(0));
        int[][][] both = {a, b};
        for (int n = 0; n < 2; n++) {
          for (int i = 0; i < 6; i++) {
            assertEquals(both[n][i / 3][i % 3], decoded[n * 6 + i], 0.0, "exact 8-bit value, image " + n);
          }
        }
        TString out = (TString) r.get(1);
        assertEquals(2, out.shape().size(0));
        for (int n = 0; n < 2; n++) {
          int[] mask = readGrey(out.asBytes().getObject(n));
          for (int i = 0; i < 6; i++) {
            assertEquals(both[n][i / 3][i % 3] % 4, mask[i], "mask " + n + " pixel " + i);
          }
        }
      }
    }
  }

  @Test
  void imagesOfDifferentSizesFailNamingBothSizes() throws IOException {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TString> bytes = tf.placeholder(TString.class, Placeholder.shape(Shape.of(-1)));
      Operand<TFloat32> images = EncodedImages.decode(tf, bytes, 1);
      try (TString in = TString.tensorOfBytes(NdArrays.vectorOfObjects(
          greyPng(new int[][] {{1, 2, 3}, {4, 5, 6}}), greyPng(new int[][] {{1, 2}, {3, 4}, {5, 6}})))) {
        TFInvalidArgumentException e = assertThrows(TFInvalidArgumentException.class,
            () -> s.runner().feed(bytes, in).fetch(images).run().close());
        assertTrue(e.getMessage().contains("same [height, width]") && e.getMessage().contains("[2 3]")
            && e.getMessage().contains("[3 2]"), e.getMessage());
      }
    }
  }
}
