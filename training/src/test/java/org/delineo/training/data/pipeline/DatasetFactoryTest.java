package org.delineo.training.data.pipeline;

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
import org.delineo.proto.DataConfig;
import org.delineo.training.config.ConfigException;
import org.delineo.training.data.IsicLayout;
import org.delineo.training.data.Promise12Layout;
import org.delineo.training.data.SliceDataset;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.delineo.training.data.synth.SyntheticData;
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

  @Test
  void splitFieldsNameFilesRelativeToTheRootThatOverrideSplitsFolder() throws IOException {
    Path scenes = root.resolve("scenes");
    SyntheticData.write("scenes2d", scenes, 8, 1);
    SegmentationDataset standard = DatasetFactory.open(scenes(scenes).build());
    // Standard training cases only, so that splits/test.txt (still read) lists none of them.
    List<String> all = standard.ids(Split.TRAIN);
    assertTrue(all.size() >= 3, all.toString());
    Files.createDirectories(scenes.resolve("lists"));
    Files.writeString(scenes.resolve("lists/train.txt"), all.get(0) + "\n" + all.get(1) + "\n");
    Files.writeString(scenes.resolve("lists/val.txt"), all.get(2) + "\n");
    SegmentationDataset given = DatasetFactory.open(scenes(scenes)
        .setTrainSplit("lists/train.txt").setValSplit(scenes.resolve("lists/val.txt").toString()).build());
    assertEquals(List.of(all.get(0), all.get(1)), given.ids(Split.TRAIN));
    assertEquals(List.of(all.get(2)), given.ids(Split.VAL));
    assertEquals(standard.ids(Split.TEST), given.ids(Split.TEST), "test_split unset: splits/test.txt");
  }

  @Test
  void aSplitFieldNamingNoFileOrAnotherSplitsFileIsAConfigError() throws IOException {
    Path scenes = root.resolve("scenes");
    SyntheticData.write("scenes2d", scenes, 4, 1);
    ConfigException missing = assertThrows(ConfigException.class,
        () -> DatasetFactory.open(scenes(scenes).setTestSplit("lists/test.txt").build()));
    assertEquals("field 'data.test_split': expected a split file (relative to data.root " + scenes
        + "), found no file at " + scenes.resolve("lists/test.txt"), missing.getMessage());

    Files.writeString(scenes.resolve("one.txt"), "");
    ConfigException twice = assertThrows(ConfigException.class, () -> DatasetFactory.open(scenes(scenes)
        .setTrainSplit("one.txt").setValSplit(scenes.resolve("one.txt").toString()).build()));
    assertEquals("field 'data.val_split': expected a file of its own, found " + scenes.resolve("one.txt")
        + ", which data.train_split names too (a sample belongs to one split)", twice.getMessage());
  }

  private static DataConfig.Builder scenes(Path root) {
    return DataConfig.newBuilder().setLayout(DataConfig.Layout.SYNTHETIC_SCENES2D).setRoot(root.toString());
  }
}
