package org.delineo.graph.gradients;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.op.RawCustomGradient;
import org.tensorflow.op.nn.Conv3dBackpropFilter;
import org.tensorflow.op.nn.Conv3dBackpropInput;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TNumber;

/**
 * Registers, once per process, the Java gradients for ops whose C++ graph gradient TF lacks and that
 * the models need: Conv3D, Conv3DBackpropInputV2 (3-D transposed convolution), the generic 2-D
 * {@code Conv} op (which the atrous convolutions use for its faster CPU kernel),
 * SparseSoftmaxCrossEntropyWithLogits and TopKV2. Call {@link #install()} before the first
 * {@code Graph.addGradients}; the layers that build Conv3D or Conv call it themselves.
 *
 * <p>The gradient callbacks run while {@code addGradients} builds the backward graph; what they
 * build are ordinary TF ops, so a trained or exported graph does not depend on Java at run time.
 */
public final class CustomGradients {
  /**
   * The attribute that marks an {@code IdentityN(relu(x), x)} built by {@link #reluReadingOutput}; an
   * IdentityN without it gets the plain pass-through gradient.
   */
  public static final String RELU_FROM_OUTPUT = "_delineo_relu_from_output";

  /**
   * The attribute on a generic {@code Conv} op that records its kernel's static shape [kh, kw, in,
   * out], which the op's gradient needs to build its faster form ({@link GenericConvGradient}).
   */
  public static final String KERNEL_SHAPE = "_delineo_kernel_shape";

  private static boolean installed;

  private CustomGradients() {}

  /**
   * Registers the gradients; later calls do nothing. The TF registry is process-global and cannot
   * replace a gradient: a {@code false} from {@code registerCustomGradient} means the op already
   * has one (registered by an earlier class loader or by TF itself), which is just as good.
   */
  public static synchronized void install() {
    if (installed) {
      return;
    }
    TensorFlow.registerCustomGradient("Conv3D", CustomGradients::conv3d);
    TensorFlow.registerCustomGradient("Conv3DBackpropInputV2", CustomGradients::conv3dBackpropInput);
    TensorFlow.registerCustomGradient("Conv", GenericConvGradient::of);
    TensorFlow.registerCustomGradient(
        "SparseSoftmaxCrossEntropyWithLogits", CustomGradients::sparseSoftmaxCrossEntropy);
    TensorFlow.registerCustomGradient("TopKV2", CustomGradients::topK);
    TensorFlow.registerCustomGradient("IdentityN", CustomGradients::identityN);
    installed = true;
  }

  /** Whether {@link #install()} has run in this process. */
  public static synchronized boolean isInstalled() {
    return installed;
  }

  /**
   * max(x, 0) whose gradient reads the output: {@code IdentityN(Relu(x), x)[0]} marked with
   * {@link #RELU_FROM_OUTPUT} (see {@link #identityN}).
   */
  public static <T extends TNumber> Operand<T> reluReadingOutput(Ops tf, Operand<T> x) {
    install();
    // The Relu reads x through StopGradient: the zeros its own (C++) gradient receives end there,
    // so that gradient op feeds nothing the step fetches and never runs.
    Operand<T> y = tf.nn.relu(tf.stopGradient(x));
    Output<?> out = tf.scope().opBuilder("IdentityN", "ReluReadingOutput")
        .addInputList(new Output<?>[] {y.asOutput(), x.asOutput()})
        .setAttr(RELU_FROM_OUTPUT, true)
        .build()
        .output(0);
    return typed(out);
  }

  /**
   * IdentityN passes each gradient through, except for the triple {@link StandardizeReadingOutput}
   * builds (its own gradient) and the pair {@link #reluReadingOutput} builds:
   * x gets ReluGrad(dy, relu(x)) and the Relu zeros (TF Java cannot answer "no gradient"; they stop
   * at the Relu's StopGradient). Its second output is x itself: a gradient arriving there is added,
   * unless it is the ZerosLike that TF's gradient builder puts on an output nothing reads. Adding
   * those zeros would change nothing but keep a zero tensor the size of x alive from the forward
   * pass (where it can already run) until the backward pass reaches this op.
   */
  private static List<Operand<?>> identityN(Ops tf, GraphOperation op, List<Output<?>> grads) {
    if (StandardizeReadingOutput.marks(op)) {
      return StandardizeReadingOutput.gradient(tf, op, grads);
    }
    if (!isReluReadingOutput(op)) {
      return new ArrayList<>(grads);
    }
    Operand<TNumber> y = typed(op.input(0));
    Operand<TNumber> dy = typed(grads.get(0));
    return List.of(tf.zerosLike(y), plusPassedThrough(tf, tf.nn.reluGrad(dy, y), grads.get(1)));
  }

  /**
   * {@code dx} plus the gradient that arrived at an IdentityN's pass-through output of x, unless
   * that is the ZerosLike TF's builder puts on an output nothing reads (see {@link #identityN}).
   */
  static <T extends TNumber> Operand<T> plusPassedThrough(Ops tf, Operand<T> dx, Output<?> arrived) {
    if (arrived == null || arrived.op().type().equals("ZerosLike")) {
      return dx;
    }
    @SuppressWarnings("unchecked")
    Operand<T> g = (Operand<T>) arrived;
    return tf.math.add(dx, g);
  }

  private static boolean isReluReadingOutput(GraphOperation op) {
    try {
      return op.attributes().getAttrBool(RELU_FROM_OUTPUT);
    } catch (RuntimeException absent) {
      return false;
    }
  }

  /**
   * y = conv3d(x, w): dx is the transposed convolution of dy, dw the filter backprop; both with
   * the forward op's strides, padding, dilations and layout. For a VALID convolution of stride 1
   * without dilation (RFNet's layers, which pad by reflection first), dx is built as what it equals,
   * the forward convolution of dy padded by k − 1 with the kernel turned by 180° and its channels
   * swapped: oneDNN's AVX-512 VALID Conv3DBackpropInput runs at half that speed on small channel
   * counts (N10 32³ 4→4: 34 against 18 ms, `ConvKernelTiming 3d`). With oneDNN capped below
   * AVX-512 ({@link OneDnnCpuIsa}) it is the other way round (4.8 against 9.3 ms), so the op stays.
   */
  private static List<Operand<?>> conv3d(Ops tf, GraphOperation op, List<Output<?>> grads) {
    Operand<TNumber> input = typed(op.input(0));
    Operand<TNumber> filter = typed(op.input(1));
    Operand<TNumber> dy = typed(grads.get(0));
    ConvAttributes a = ConvAttributes.of(op);
    Operand<TNumber> dInput = a.isValidUnitStrideChannelsLast() && !OneDnnCpuIsa.capsBelowAvx512()
        ? validInputGradientAsConvolution(tf, filter, dy)
        : tf.nn.conv3dBackpropInput(
            tf.shape(input), filter, dy, a.strides(), a.padding(),
            Conv3dBackpropInput.dataFormat(a.dataFormat()),
            Conv3dBackpropInput.dilations(a.dilations()));
    Operand<TNumber> dFilter =
        tf.nn.conv3dBackpropFilter(
            input, tf.shape(filter), dy, a.strides(), a.padding(),
            Conv3dBackpropFilter.dataFormat(a.dataFormat()),
            Conv3dBackpropFilter.dilations(a.dilations()));
    return List.of(dInput, dFilter);
  }

  /**
   * dx of a VALID, stride-1, NDHWC conv3d: dy zero-padded by k − 1 on both sides of each spatial axis
   * (sizes read from the filter at run time: a gradient callback cannot ask the graph for shapes),
   * convolved VALID with the filter reversed on its spatial axes and with in/out channels swapped.
   */
  private static Operand<TNumber> validInputGradientAsConvolution(
      Ops tf, Operand<TNumber> filter, Operand<TNumber> dy) {
    Operand<TInt32> kMinus1 = tf.math.sub(
        tf.slice(tf.shape(filter), tf.constant(new int[] {0}), tf.constant(new int[] {3})), tf.constant(1));
    Operand<TInt32> spatial = tf.reshape(kMinus1, tf.constant(new int[] {3, 1}));
    Operand<TInt32> none = tf.constant(new int[][] {{0, 0}});
    Operand<TInt32> paddings =
        tf.concat(List.of(none, tf.concat(List.of(spatial, spatial), tf.constant(1)), none), tf.constant(0));
    Operand<TNumber> turned = tf.reverse(
        tf.linalg.transpose(filter, tf.constant(new int[] {0, 1, 2, 4, 3})), tf.constant(new int[] {0, 1, 2}));
    Operand<TNumber> zero = tf.dtypes.cast(tf.constant(0f), dy.type());
    return tf.nn.conv3d(tf.pad(dy, paddings, zero), turned, List.of(1L, 1L, 1L, 1L, 1L), "VALID");
  }

  /**
   * y = conv3d_transpose(sizes, w, g) is linear in w and g: dg is the forward convolution of dy with
   * w, dw the filter backprop with dy in the role of the input; the int sizes get zeros.
   */
  private static List<Operand<?>> conv3dBackpropInput(
      Ops tf, GraphOperation op, List<Output<?>> grads) {
    Operand<TNumber> filter = typed(op.input(1));
    Operand<TNumber> outBackprop = typed(op.input(2));
    Operand<TNumber> dy = typed(grads.get(0));
    ConvAttributes a = ConvAttributes.of(op);
    Operand<TNumber> dFilter =
        tf.nn.conv3dBackpropFilter(
            dy, tf.shape(filter), outBackprop, a.strides(), a.padding(),
            Conv3dBackpropFilter.dataFormat(a.dataFormat()),
            Conv3dBackpropFilter.dilations(a.dilations()));
    Operand<TNumber> dOutBackprop =
        tf.nn.conv3d(
            dy, filter, a.strides(), a.padding(),
            org.tensorflow.op.nn.Conv3d.dataFormat(a.dataFormat()),
            org.tensorflow.op.nn.Conv3d.dilations(a.dilations()));
    return List.of(tf.zerosLike(op.input(0)), dFilter, dOutBackprop);
  }

  /**
   * The forward op already computes d loss / d logits per row (its second output, softmax − onehot);
   * scale each row by the incoming loss gradient. Labels are integers: zeros.
   */
  private static List<Operand<?>> sparseSoftmaxCrossEntropy(
      Ops tf, GraphOperation op, List<Output<?>> grads) {
    Operand<TNumber> backprop = typed(op.output(1));
    Operand<TNumber> dLoss = typed(grads.get(0));
    Operand<TNumber> dLogits = tf.math.mul(tf.expandDims(dLoss, tf.constant(-1)), backprop);
    return List.of(dLogits, tf.zerosLike(op.input(1)));
  }

  /**
   * values = input[..., indices]: scatter d values back to the positions the indices came from. The
   * input is seen as rows of its last axis, flattened, so one ScatterNd over flat positions
   * (row · lastDim + index) does it; k gets zeros.
   */
  private static List<Operand<?>> topK(Ops tf, GraphOperation op, List<Output<?>> grads) {
    Operand<TNumber> input = typed(op.input(0));
    Operand<TNumber> dValues = typed(grads.get(0));
    Operand<TInt64> inShape = tf.shape(input, TInt64.class);
    Operand<TInt64> lastDim = tf.gather(inShape, tf.math.sub(tf.size(inShape), tf.constant(1)), tf.constant(0));
    Operand<TInt64> k = tf.dtypes.cast(op.input(1), TInt64.class);
    List<Operand<TInt64>> rowsByK = new ArrayList<>(List.of(tf.constant(-1L), k));
    Operand<TInt64> indices2d =
        tf.reshape(tf.dtypes.cast(op.output(1), TInt64.class), tf.stack(rowsByK));
    Operand<TInt64> rows = tf.gather(tf.shape(indices2d, TInt64.class), tf.constant(0), tf.constant(0));
    Operand<TInt64> rowStarts =
        tf.expandDims(tf.range(tf.constant(0L), tf.math.mul(rows, lastDim), lastDim), tf.constant(-1));
    Operand<TInt64> flatPositions =
        tf.reshape(tf.math.add(indices2d, rowStarts), tf.constant(new long[] {-1, 1}));
    Operand<TInt64> inputSize =
        tf.reshape(tf.reduceProd(inShape, tf.constant(0)), tf.constant(new long[] {1}));
    Operand<TNumber> scattered =
        tf.scatterNd(flatPositions, tf.reshape(dValues, tf.constant(new long[] {-1})), inputSize);
    return List.of(tf.reshape(scattered, inShape), tf.zerosLike(op.input(1)));
  }

  /**
   * The gradient callbacks see untyped outputs; every op here is homogeneous in its float type, so
   * one type variable stands for it.
   */
  @SuppressWarnings("unchecked")
  private static <T extends TNumber> Operand<T> typed(Operand<?> operand) {
    return (Operand<T>) operand;
  }
}
