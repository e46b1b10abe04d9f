package org.delineo.training.wiring;

import java.util.Map;
import java.util.Optional;

/**
 * The registered names of models whose name differs from their {@code ModelConfig} family (the
 * issues' {@code deeplabv3plus_r50}, {@code pspnet_r50}, {@code hrnet_w48}, {@code segformer_mit_b3},
 * {@code segnext_mscan_b}, {@code mask2former_swin_b}):
 * a config may choose a model by family block, by {@code model.name}, or both. Models absent from
 * this table are registered under their family name.
 */
public final class ModelNames {
  /** Registered name → family (the oneof field of ModelConfig it reads). */
  private static final Map<String, String> FAMILY_OF = Map.of(
      "deeplabv3plus_r50", "deeplabv3plus",
      "pspnet_r50", "pspnet",
      "hrnet_w48", "hrnet",
      "segformer_mit_b3", "segformer",
      "segnext_mscan_b", "segnext",
      "mask2former_swin_b", "mask2former");

  /** Family → its reference model's registered name. */
  private static final Map<String, String> MODEL_OF = Map.of(
      "deeplabv3plus", "deeplabv3plus_r50",
      "pspnet", "pspnet_r50",
      "hrnet", "hrnet_w48",
      "segformer", "segformer_mit_b3",
      "segnext", "segnext_mscan_b",
      "mask2former", "mask2former_swin_b");

  private ModelNames() {}

  /** The family whose config block the model {@code name} reads. */
  public static String familyOf(String name) {
    return FAMILY_OF.getOrDefault(name, name);
  }

  /** The registered model a family block selects when {@code model.name} is empty. */
  public static String modelOf(String family) {
    return MODEL_OF.getOrDefault(family, family);
  }

  /** The registered name for a family name used where a model name is expected, if it is one. */
  static Optional<String> alias(String familyName) {
    return Optional.ofNullable(MODEL_OF.get(familyName));
  }
}
