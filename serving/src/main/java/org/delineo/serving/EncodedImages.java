package org.delineo.serving;

import java.util.List;
import org.tensorflow.ConcreteFunction;
import org.tensorflow.Operand;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.While;
import org.tensorflow.op.image.DecodeImage;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint8;
import org.tensorflow.types.family.TType;

/**
 * In-graph decoding of a batch of PNG/JPEG files and PNG encoding of a batch of label maps, for
 * the {@code image_bytes} / {@code mask_png_bytes} signature entries.
 *
 * <p>The image ops work on one scalar string at a time and TF Java 1.1 has no {@code map_fn}, so
 * both directions loop over the batch with the functional {@code While} op, whose condition and
 * body are {@link ConcreteFunction}s attached to the graph (they travel in the SavedModel's
 * function library, which TF Serving loads like any graph). The body appends each result to an
 * accumulator with {@code concat}; the batch is small, so the quadratic copying does not matter.
 *
 * <p>Decoding stacks the images, so all images of one request must decode to the same height and
 * width: the loop asserts it and fails with a message naming the first image's size and the
 * offending one. An empty request fails too (there is no image to take the size from).
 */
public final class EncodedImages {
  // Loop variable keys sort alphabetically in their loop order, so the function's argument order
  // is the same whether the signature keeps insertion or key order.
  private static final String INDEX = "a_index";
  private static final String DATA = "b_data";
  private static final String ACC = "c_acc";

  private EncodedImages() {}

  /**
   * Decodes every element of {@code bytes} (string {@code [N]}, PNG or JPEG) to float32
   * {@code [N, H, W, channels]} holding the raw 0–255 intensities.
   *
   * @param channels 1 (grey) or 3 (RGB); images are converted to it by the decoder
   */
  public static Operand<TFloat32> decode(Ops tf, Operand<TString> bytes, long channels) {
    Operand<TFloat32> first = tf.expandDims(decodeOne(tf, tf.gather(bytes, tf.constant(0), tf.constant(0)), channels),
        tf.constant(0));
    Shape batch = Shape.of(-1, -1, -1, channels);
    try (ConcreteFunction cond = condition(Shape.of(-1), TString.class, batch, TFloat32.class);
        ConcreteFunction body = ConcreteFunction.create(t -> decodeBody(t, channels))) {
      While loop = tf.whileOp(List.of(tf.constant(1), bytes, first), cond, body,
          While.outputShapes(Shape.scalar(), Shape.of(-1), batch));
      @SuppressWarnings("unchecked")
      Operand<TFloat32> images = (Operand<TFloat32>) (Operand<?>) loop.output().get(2);
      return tf.ensureShape(images, batch);
    }
  }

  /**
   * Encodes every label map of {@code labels} (int32 {@code [N, H, W]}) as an 8-bit grey PNG,
   * giving string {@code [N]}. Class ids above 255 wrap (uint8), as in any 8-bit label PNG.
   */
  public static Operand<TString> encodePng(Ops tf, Operand<TInt32> labels) {
    Operand<TString> empty = tf.fill(tf.constant(new int[] {0}), tf.constant(""));
    Shape maps = Shape.of(-1, -1, -1);
    try (ConcreteFunction cond = condition(maps, TInt32.class, Shape.of(-1), TString.class);
        ConcreteFunction body = ConcreteFunction.create(EncodedImages::encodeBody)) {
      While loop = tf.whileOp(List.of(tf.constant(0), labels, empty), cond, body,
          While.outputShapes(Shape.scalar(), maps, Shape.of(-1)));
      @SuppressWarnings("unchecked")
      Operand<TString> pngs = (Operand<TString>) (Operand<?>) loop.output().get(2);
      return tf.ensureShape(pngs, Shape.of(-1));
    }
  }

  private static Operand<TFloat32> decodeOne(Ops tf, Operand<TString> file, long channels) {
    return tf.dtypes.cast(tf.image.decodeImage(file, TUint8.class, DecodeImage.channels(channels),
        DecodeImage.expandAnimations(false)), TFloat32.class);
  }

  /** {@code index < size(data)}: the loop runs over the batch axis of {@code data}. */
  private static <D extends TType, A extends TType> ConcreteFunction condition(Shape dataShape, Class<D> dataType,
      Shape accShape, Class<A> accType) {
    return ConcreteFunction.create(tf -> {
      Placeholder<TInt32> index = tf.placeholder(TInt32.class, Placeholder.shape(Shape.scalar()));
      Placeholder<D> data = tf.placeholder(dataType, Placeholder.shape(dataShape));
      Placeholder<A> acc = tf.placeholder(accType, Placeholder.shape(accShape));
      Operand<TInt32> n = tf.squeeze(tf.slice(tf.shape(data), tf.constant(new int[] {0}), tf.constant(new int[] {1})));
      Operand<TBool> more = tf.math.less(index, n);
      return Signature.builder().input(INDEX, index).input(DATA, data).input(ACC, acc).output("more", more).build();
    });
  }

  /** Decodes {@code data[index]}, checks its size against the images so far and appends it. */
  private static Signature decodeBody(Ops tf, long channels) {
    Placeholder<TInt32> index = tf.placeholder(TInt32.class, Placeholder.shape(Shape.scalar()));
    Placeholder<TString> data = tf.placeholder(TString.class, Placeholder.shape(Shape.of(-1)));
    Placeholder<TFloat32> acc = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, channels)));
    Operand<TFloat32> image = decodeOne(tf, tf.gather(data, index, tf.constant(0)), channels);
    Operand<TInt32> size = tf.slice(tf.shape(image), tf.constant(new int[] {0}), tf.constant(new int[] {2}));
    Operand<TInt32> expected = tf.slice(tf.shape(acc), tf.constant(new int[] {1}), tf.constant(new int[] {2}));
    // Stacking needs equal sizes; say which image differs instead of concat's generic message.
    Operand<TBool> same = tf.reduceAll(tf.math.equal(size, expected), tf.constant(0));
    var check = tf.assertThat(same, List.of(
        tf.constant("image_bytes: all images of one request must decode to the same [height, width]; image 0 is"),
        expected, tf.constant("but image"), index, tf.constant("is"), size));
    Operand<TFloat32> appended = tf.withControlDependencies(List.of(check))
        .concat(List.of(acc, tf.expandDims(image, tf.constant(0))), tf.constant(0));
    return Signature.builder()
        .input(INDEX, index).input(DATA, data).input(ACC, acc)
        .output(INDEX, tf.math.add(index, tf.constant(1))).output(DATA, tf.identity(data)).output(ACC, appended)
        .build();
  }

  /** Encodes {@code data[index]} as a PNG and appends it. */
  private static Signature encodeBody(Ops tf) {
    Placeholder<TInt32> index = tf.placeholder(TInt32.class, Placeholder.shape(Shape.scalar()));
    Placeholder<TInt32> data = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, -1, -1)));
    Placeholder<TString> acc = tf.placeholder(TString.class, Placeholder.shape(Shape.of(-1)));
    Operand<TUint8> map = tf.dtypes.cast(tf.expandDims(tf.gather(data, index, tf.constant(0)), tf.constant(-1)),
        TUint8.class);
    Operand<TString> png = tf.reshape(tf.image.encodePng(map), tf.constant(new int[] {1}));
    return Signature.builder()
        .input(INDEX, index).input(DATA, data).input(ACC, acc)
        .output(INDEX, tf.math.add(index, tf.constant(1))).output(DATA, tf.identity(data))
        .output(ACC, tf.concat(List.of(acc, png), tf.constant(0)))
        .build();
  }
}
