package org.delineo.training.data.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.delineo.proto.DataConfig;
import org.delineo.training.data.IsicLayout;
import org.delineo.training.data.Promise12Layout;
import org.delineo.training.data.SliceDataset;
import org.delineo.training.data.SegmentationDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetFactoryTest {
  @TempDir Path root;

  @Test
  void opensIsicAndPromise12Layouts() throws IOException {
    Path isic = root.resolve("isic");
    Files.createDirectories(isic.resolve(IsicLayout.IMAGE_DIR));
    ImageIO.write(new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB), "jpg",
        isic.resolve(IsicLayout.IMAGE_DIR).resolve("ISIC_0000000.jpg").toFile());
    SegmentationDataset a = DatasetFactory.open(DataConfig.newBuilder()
        .setLayout(DataConfig.Layout.ISIC).setRoot(isic.toString()).build());
    assertTrue(a instanceof IsicLayout);
    assertEquals(2, a.numClasses());

    Path promise = root.resolve("promise");
    Files.createDirectories(promise);
    Files.writeString(promise.resolve("Case00.mhd"), "NDims = 1\nDimSize = 1\n"
        + "ElementType = MET_UCHAR\nElementDataFile = Case00.raw\n");
    SegmentationDataset b = DatasetFactory.open(DataConfig.newBuilder()
        .setLayout(DataConfig.Layout.PROMISE12).setRoot(promise.toString()).build());
    // 2D models train on slices; the volumes stay available for per-volume evaluation.
    assertTrue(b instanceof SliceDataset);
    assertFalse(b.is3d());
    assertTrue(((SliceDataset) b).volumes() instanceof Promise12Layout);
    assertTrue(((SliceDataset) b).volumes().is3d());
  }
}
