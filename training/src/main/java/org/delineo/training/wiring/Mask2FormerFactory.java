package org.delineo.training.wiring;

import com.google.inject.Inject;
import org.delineo.graph.DelineoException;
import org.delineo.graph.backbones.FeatureLevels;
import org.delineo.graph.heads.Mask2FormerDecoder;
import org.delineo.graph.heads.Mask2FormerDecoderConfig;
import org.delineo.graph.heads.MsDeformAttnPixelDecoder;
import org.delineo.graph.model.SegmentationModel;
import org.delineo.graph.models.Mask2Former;
import org.delineo.proto.Mask2FormerConfig;
import org.delineo.proto.ModelConfig;
import org.delineo.training.config.ConfigException;

/**
 * Mask2Former ({@code model { mask2former {} }}, registered as {@code mask2former_swin_b}): Swin-B
 * (window 12) by default, or any registered backbone with four maps at strides 4, 8, 16, 32, the
 * MSDeformAttn pixel decoder and the masked-attention transformer decoder, with mmseg's
 * {@code mask2former_swin-b-in22k-384x384-pre_8xb2-90k_cityscapes-512x1024} sizes unless the config
 * shrinks them (tests build tiny variants). No auxiliary head.
 */
final class Mask2FormerFactory implements ModelFactory {
  /** The registered name. */
  static final String NAME = "mask2former_swin_b";
  /** The pixel decoder reads four maps: three into the deformable encoder, the finest as the lateral. */
  private static final int LEVELS = 4;
  private static final String FIELD = "model.mask2former.";

  private final BackboneRegistry backbones;

  @Inject
  Mask2FormerFactory(BackboneRegistry backbones) {
    this.backbones = backbones;
  }

  @Override
  public String summary() {
    return "Mask2Former Swin-B: MSDeformAttn pixel decoder + 9-layer masked-attention decoder, 100 queries,"
        + " Hungarian-matched training, no aux head (reference 19 classes)";
  }

  @Override
  public SegmentationModel create(ModelConfig config, int numClasses, int inChannels) {
    Mask2FormerConfig c = config.getMask2Former();
    // Head settings first: a mistake there should not wait for a full backbone to be configured.
    int width = positive(c.getFeatChannels(), "feat_channels");
    int heads = positive(c.getNumHeads(), "num_heads");
    int groups = positive(c.getNormGroups(), "norm_groups");
    positive(c.getNumQueries(), "num_queries");
    positive(c.getNumDecoderLayers(), "num_decoder_layers");
    positive(c.getDecoderFeedforwardChannels(), "decoder_feedforward_channels");
    positive(c.getEncoderLayers(), "encoder_layers");
    positive(c.getEncoderFeedforwardChannels(), "encoder_feedforward_channels");
    positive(c.getEncoderPoints(), "encoder_points");
    positive(c.getTrainNumPoints(), "train_num_points");
    if (width % heads != 0 || width % groups != 0 || width % 4 != 0) {
      throw new ConfigException("field '" + FIELD + "feat_channels': expected a multiple of num_heads (" + heads
          + "), norm_groups (" + groups + ") and 4, found " + width);
    }
    SceneBackbone backbone = backbones.build(c.getBackbone(), SceneModels.SWIN_B, FIELD + "backbone");
    FeatureLevels levels = backbone.levels();
    if (levels.count() != LEVELS) {
      throw new ConfigException("field '" + FIELD + "backbone': the pixel decoder reads " + LEVELS
          + " feature maps (strides 4, 8, 16, 32), the backbone has " + levels.count());
    }
    try {
      MsDeformAttnPixelDecoder pixelDecoder = MsDeformAttnPixelDecoder.builder("decode_head.pixel_decoder")
          .channels(width).outChannels(width).heads(heads).groups(groups)
          .encoderLayers(c.getEncoderLayers()).ffnChannels(c.getEncoderFeedforwardChannels())
          .points(c.getEncoderPoints()).build();
      Mask2FormerDecoder decoder = new Mask2FormerDecoder("decode_head", new Mask2FormerDecoderConfig(numClasses,
          width, heads, c.getDecoderFeedforwardChannels(), c.getNumQueries(), c.getNumDecoderLayers(), 3));
      return new Mask2Former(NAME, numClasses, backbone.net(), pixelDecoder, decoder);
    } catch (ConfigException e) {
      throw e;
    } catch (DelineoException e) {
      throw new ConfigException("field 'model.mask2former': " + e.getMessage());
    }
  }

  /** mmseg's Cityscapes config: 19 classes; 512 × 512 keeps the graph small (the count is size-free). */
  @Override
  public ReferenceSetup reference() {
    ModelConfig config = ModelConfig.newBuilder().setMask2Former(Mask2FormerConfig.getDefaultInstance()).build();
    return new ReferenceSetup(config, 19, new long[] {512, 512, 3});
  }

  private static int positive(int value, String field) {
    if (value < 1) {
      throw new ConfigException("field '" + FIELD + field + "': expected a positive value, found " + value);
    }
    return value;
  }
}
