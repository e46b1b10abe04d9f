package org.delineo.graph.models;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.delineo.graph.GraphContext;
import org.delineo.graph.model.ModelInputs;
import org.delineo.graph.model.ModelOutputs;
import org.delineo.graph.heads.DecodeHead;
import org.delineo.graph.model.SegmentationModel;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * mmsegmentation's EncoderDecoder: a backbone, a decode head and auxiliary heads (each reading the
 * backbone's stage features). Logits stay at the heads' resolution; losses and inference resize
 * them to the labels / input.
 */
public final class EncoderDecoder implements SegmentationModel {
  private final String name;
  private final int numClasses;
  private final int sizeDivisor;
  private final Backbone backbone;
  private final DecodeHead decodeHead;
  private final Map<String, DecodeHead> auxHeads;

  /**
   * @param name registry name (e.g. {@code deeplabv3plus_r50})
   * @param sizeDivisor the backbone's total stride (inputs are padded to a multiple of it)
   * @param auxHeads auxiliary heads by head name (e.g. {@code aux}); may be empty
   */
  public EncoderDecoder(String name, int numClasses, int sizeDivisor, Backbone backbone, DecodeHead decodeHead,
      Map<String, DecodeHead> auxHeads) {
    this.name = name;
    this.numClasses = numClasses;
    this.sizeDivisor = sizeDivisor;
    this.backbone = backbone;
    this.decodeHead = decodeHead;
    this.auxHeads = new LinkedHashMap<>(auxHeads);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int numClasses() {
    return numClasses;
  }

  @Override
  public int sizeDivisor() {
    return sizeDivisor;
  }

  @Override
  public ModelOutputs apply(GraphContext ctx, ModelInputs inputs) {
    List<Operand<TFloat32>> features = backbone.apply(ctx, inputs.image());
    Map<String, Operand<TFloat32>> aux = new LinkedHashMap<>();
    if (ctx.training()) {
      // As mmseg, auxiliary heads only contribute losses; inference does not build them.
      auxHeads.forEach((head, h) -> aux.put(head, h.apply(ctx, features)));
    }
    Map<String, Operand<TFloat32>> named = new LinkedHashMap<>();
    for (int i = 0; i < features.size(); i++) {
      named.put("backbone." + i, features.get(i));
    }
    return new ModelOutputs(decodeHead.apply(ctx, features), aux, List.of(), named);
  }
}
