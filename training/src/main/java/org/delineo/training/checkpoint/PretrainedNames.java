package org.delineo.training.checkpoint;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Maps the names of a PyTorch / mmsegmentation state dict to our flat dotted variable names.
 * Our names mirror mmseg's module tree already ({@code backbone.stem.0.weight},
 * {@code backbone.layer1.0.downsample.1.running_mean}, {@code decode_head.conv_seg.weight}), and
 * our BatchNorm keeps PyTorch's {@code weight / bias / running_mean / running_var}, so most names
 * map to themselves. The table:
 * <ul>
 *   <li>{@code *.num_batches_tracked}: ignored (we keep no such counter);
 *   <li>Swin's buffers {@code *.relative_position_index} (mmseg's {@code WindowMSA}) and
 *       {@code *.attn_mask} (Microsoft's original blocks, kept by mmseg's converted ImageNet files):
 *       ignored, since our {@code SwinTransformer} computes both as constants;
 *   <li>a leading {@code module.} (DataParallel) or {@code state_dict.} is dropped;
 *   <li>Keras/TF-style norm names {@code gamma, beta, moving_mean, moving_variance} become
 *       {@code weight, bias, running_mean, running_var};
 *   <li>backbone-only checkpoints (ImageNet, e.g. mmcls/mmpretrain {@code resnet50_v1c}:
 *       {@code stem.0.weight}, {@code layer1.0.conv1.weight}; HRNet-W48: {@code conv1.weight},
 *       {@code transition1.0.0.weight}): when no name of the file starts with {@code backbone.}
 *       but the model has such variables, {@code backbone.} is prepended to every name.
 * </ul>
 * Not mapped: torchvision's plain ResNet stem ({@code conv1} 7×7 + {@code bn1}) has no
 * counterpart in ResNetV1c's deep stem (three 3×3 convs), so those names and the classifier
 * ({@code fc.*}, {@code head.*}) come out as unexpected; the stem is then missing.
 */
public final class PretrainedNames {
  private static final String BACKBONE = "backbone.";
  private static final Map<String, String> NORM_SUFFIXES = Map.of(
      ".gamma", ".weight",
      ".beta", ".bias",
      ".moving_mean", ".running_mean",
      ".moving_variance", ".running_var");

  private PretrainedNames() {}

  /**
   * Source name → our name for every source name that is not ignored, in source order.
   *
   * @param sourceNames the file's names
   * @param modelNames our variable names (decides whether {@code backbone.} is prepended)
   */
  public static Map<String, String> map(Collection<String> sourceNames, Collection<String> modelNames) {
    boolean sourceHasBackbone = false;
    for (String s : sourceNames) {
      if (strip(s).startsWith(BACKBONE)) {
        sourceHasBackbone = true;
        break;
      }
    }
    boolean modelHasBackbone = modelNames.stream().anyMatch(n -> n.startsWith(BACKBONE));
    boolean prepend = !sourceHasBackbone && modelHasBackbone;
    Map<String, String> out = new LinkedHashMap<>();
    for (String s : sourceNames) {
      ours(s, prepend).ifPresent(o -> out.put(s, o));
    }
    return out;
  }

  /** Whether the source name carries nothing we load. */
  public static boolean ignored(String sourceName) {
    return sourceName.endsWith("num_batches_tracked") || sourceName.endsWith(".relative_position_index")
        || sourceName.endsWith(".attn_mask");
  }

  private static Optional<String> ours(String source, boolean prependBackbone) {
    if (ignored(source)) {
      return Optional.empty();
    }
    String name = strip(source);
    for (Map.Entry<String, String> e : NORM_SUFFIXES.entrySet()) {
      if (name.endsWith(e.getKey())) {
        name = name.substring(0, name.length() - e.getKey().length()) + e.getValue();
        break;
      }
    }
    return Optional.of(prependBackbone ? BACKBONE + name : name);
  }

  private static String strip(String name) {
    for (String wrapper : new String[] {"module.", "state_dict."}) {
      if (name.startsWith(wrapper)) {
        name = name.substring(wrapper.length());
      }
    }
    return name;
  }
}
