package org.delineo.training.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.delineo.proto.ExperimentConfig;
import org.junit.jupiter.api.Test;

/** {@link ConfigValidator}: shipped configs pass; out-of-range values fail naming the --set path. */
class ConfigValidatorTest {
  private static final Path CONFIGS = Path.of("..", "configs");

  @Test
  void everyShippedConfigPasses() throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(CONFIGS)) {
      files = walk.filter(p -> p.toString().endsWith(".pbtxt")).sorted().toList();
    }
    assertFalse(files.isEmpty());
    for (Path file : files) {
      ConfigValidator.validate(ExperimentConfigLoader.load(file, List.of()));
    }
  }

  @Test
  void defaultsPass() {
    ConfigValidator.validate(ExperimentConfig.getDefaultInstance());
  }

  @Test
  void messagesNameTheFieldRangeAndValue() {
    assertEquals("data.batch_size must be >= 1, found -4", error("data.batch_size=-4"));
    assertEquals("data.num_workers must be >= 1, found 0", error("data.num_workers=0"));
    assertEquals("data.crop_size[1] must be >= 1, found 0", error("data.crop_size=64,0"));
    assertEquals("data.crop_size must have 2 values (H, W) for layout SYNTHETIC_SCENES2D, found [8, 8, 8]",
        error("data.layout=SYNTHETIC_SCENES2D", "data.crop_size=8,8,8"));
    assertEquals("eval.window must have 3 values (D, H, W) for layout BRATS, found [8, 8]",
        error("data.layout=BRATS", "eval.window=8,8"));
    // Volumes take three axes, so the same three values pass there.
    ConfigValidator.validate(config("data.layout=BRATS", "data.crop_size=8,8,8"));
    assertEquals("data.mean and data.std must have the same length (one value per channel), found 3 and 2",
        error("data.mean=1,2,3", "data.std=1,1"));
    assertEquals("data.std[1] must be a finite number > 0, found 0.0", error("data.mean=1,2", "data.std=1,0"));
    assertEquals("schedule.total_steps must be >= 1, found 0", error("schedule.total_steps=0"));
    assertEquals("schedule.warmup_steps must be >= 0, found -1", error("schedule.warmup_steps=-1"));
    assertEquals("optimizer.lr must be a finite number >= 0, found NaN", error("optimizer.lr=nan"));
    assertEquals("optimizer.weight_decay must be a finite number >= 0, found -1.0E-4",
        error("optimizer.weight_decay=-0.0001"));
    assertEquals("optimizer.sgd.momentum must be in [0, 1), found 1.5", error("optimizer.sgd.momentum=1.5"));
    assertEquals("optimizer.adamw.beta2 must be in [0, 1), found 1.0", error("optimizer.adamw.beta2=1"));
    assertEquals("eval.max_cases must be >= 0, found -2", error("eval.max_cases=-2"));
    assertEquals("checkpoint.keep_last must be >= 0, found -1", error("checkpoint.keep_last=-1"));
    assertEquals("model.num_classes must be >= 0, found -3", error("model.num_classes=-3"));
    assertEquals("runtime.intra_op_threads must be >= 0, found -1", error("runtime.intra_op_threads=-1"));
    assertEquals("early_stopping.patience must be >= 0, found -5", error("early_stopping.patience=-5"));
    assertEquals("loss.terms[1].weight must be a finite number, found Infinity",
        error("loss.terms[0].weight=1", "loss.terms[1].weight=inf"));
    assertEquals("data.augmentation.flip_prob must be in [0, 1], found 2.0",
        error("data.augmentation.flip_prob=2"));
    assertEquals("data.augmentation.strong.blur_sigma_max must be >= data.augmentation.strong.blur_sigma_min"
        + " (0.1), found 0.05", error("data.augmentation.strong.blur_sigma_max=0.05"));
  }

  @Test
  void combinationsTheCodeCannotHonourNameTheirField() {
    assertEquals("field 'eval.all_modality_masks': expected data.layout BRATS or SYNTHETIC_BRATS3D (the 15 masks"
        + " are subsets of BraTS's four modalities), found SYNTHETIC_SCENES2D",
        error("data.layout=SYNTHETIC_SCENES2D", "eval.mode=SLIDE", "eval.all_modality_masks=true"));
    assertEquals("field 'eval.all_modality_masks': expected eval.mode SLIDE (the 15-mask protocol slides windows"
        + " over each volume), found WHOLE", error("data.layout=BRATS", "eval.all_modality_masks=true"));
    ConfigValidator.validate(config("data.layout=BRATS", "eval.mode=SLIDE", "eval.all_modality_masks=true"));
    assertEquals("field 'runtime.inter_op_threads': expected 0 or 1 with runtime.deterministic (ops then run one"
        + " at a time, in one order), found 4", error("runtime.deterministic=true", "runtime.inter_op_threads=4"));
    ConfigValidator.validate(config("runtime.deterministic=true", "runtime.inter_op_threads=1"));
  }

  @Test
  void precisionsTheRuntimeCannotHonourNameTheField() {
    assertEquals("field 'runtime.precision': expected FP32 or BF16 with runtime.device CPU (TensorFlow converts"
        + " only GPU ops to float16), found FP16", error("runtime.precision=FP16", "runtime.device=CPU"));
    assertEquals("field 'runtime.precision': expected FP32 or FP16 with runtime.device GPU (TensorFlow 2.18"
        + " converts only CPU ops to bfloat16), found BF16", error("runtime.precision=BF16", "runtime.device=GPU"));
    assertEquals("field 'runtime.precision': expected FP32 or BF16 with strategy.meta_drop (its inner and meta"
        + " updates are not loss-scaled), found FP16", error("runtime.precision=FP16", "strategy.meta_drop.alpha=1"));
    ConfigValidator.validate(config("runtime.precision=FP16"));
    ConfigValidator.validate(config("runtime.precision=FP16", "runtime.device=GPU"));
    ConfigValidator.validate(config("runtime.precision=BF16", "runtime.device=CPU", "strategy.meta_drop.alpha=1"));
  }

  private static ExperimentConfig config(String... sets) {
    return ExperimentConfigLoader.applyOverrides(ExperimentConfig.getDefaultInstance(), List.of(sets));
  }

  private static String error(String... sets) {
    ExperimentConfig config = config(sets);
    return assertThrows(ConfigException.class, () -> ConfigValidator.validate(config)).getMessage();
  }
}
