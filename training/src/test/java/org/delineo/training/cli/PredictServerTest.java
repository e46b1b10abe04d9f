package org.delineo.training.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.delineo.training.data.io.DecodedImage;
import org.delineo.training.data.io.ImageReader;
import org.delineo.training.data.io.NiftiReader;
import org.delineo.training.data.io.NiftiVolume;
import org.delineo.training.data.io.NiftiWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code delineo predict --server} on a volume, against a local HTTP server in the test that plays
 * TF Serving: the request goes to the labelled version and the all-modalities signature, and the
 * label volume is written as NIfTI with the input's affine, plus an overlay.
 */
class PredictServerTest {
  private static final int D = 2;
  private static final int H = 3;
  private static final int W = 4;

  @TempDir Path dir;
  private HttpServer server;
  private final List<String> requests = Collections.synchronizedList(new ArrayList<>());

  /** The labels the fake server returns, [D][H][W] with label (d + h + w) % 3. */
  private static int label(int d, int h, int w) {
    return (d + h + w) % 3;
  }

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " " + body);
      String response;
      if (exchange.getRequestURI().getPath().endsWith("/metadata")) {
        response = "{\"model_spec\": {\"name\": \"vol\", \"signature_name\": \"\", \"version\": \"4\"},"
            + " \"metadata\": {\"signature_def\": {\"signature_def\": {"
            + signature("serving_default", true) + ", " + signature("serving_all_modalities", false) + "}}}}";
      } else {
        StringBuilder labels = new StringBuilder("[");
        for (int d = 0; d < D; d++) {
          labels.append(d == 0 ? "[" : ",[");
          for (int h = 0; h < H; h++) {
            labels.append(h == 0 ? "[" : ",[");
            for (int w = 0; w < W; w++) {
              labels.append(w == 0 ? "" : ",").append(label(d, h, w));
            }
            labels.append("]");
          }
          labels.append("]");
        }
        labels.append("]");
        response = "{\"predictions\": [{\"labels\": " + labels + ", \"extra\": 0}]}";
      }
      byte[] bytes = response.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    server.start();
  }

  private static String signature(String key, boolean withMask) {
    String image = "\"image\": {\"dtype\": \"DT_FLOAT\", \"name\": \"image:0\", \"tensor_shape\": {\"dim\": ["
        + "{\"size\": \"-1\"}, {\"size\": \"-1\"}, {\"size\": \"-1\"}, {\"size\": \"-1\"}, {\"size\": \"1\"}],"
        + " \"unknown_rank\": false}}";
    String mask = ", \"modality_mask\": {\"dtype\": \"DT_BOOL\", \"name\": \"modality_mask:0\", \"tensor_shape\":"
        + " {\"dim\": [{\"size\": \"-1\"}, {\"size\": \"1\"}], \"unknown_rank\": false}}";
    return "\"" + key + "\": {\"inputs\": {" + image + (withMask ? mask : "") + "}, \"outputs\": {"
        + "\"labels\": {\"dtype\": \"DT_INT32\", \"name\": \"labels:0\", \"tensor_shape\": {\"dim\": ["
        + "{\"size\": \"-1\"}, {\"size\": \"-1\"}, {\"size\": \"-1\"}, {\"size\": \"-1\"}], \"unknown_rank\": false}}},"
        + " \"method_name\": \"tensorflow/serving/predict\"}";
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void bratsCaseWithDeclaredModalitiesSendsTheMaskToServingDefault() throws IOException {
    // A case of four [D, H, W] modalities; the fake server answers labels (d + h + w) % 3 whatever it gets.
    Path caseDir = dir.resolve("c7");
    java.nio.file.Files.createDirectories(caseDir);
    for (String m : List.of("flair", "t1ce", "t1", "t2")) {
      float[] data = new float[D * H * W];
      java.util.Arrays.fill(data, m.length());
      NiftiWriter.write(caseDir.resolve("c7_" + m + ".nii.gz"),
          NiftiVolume.ofRowMajor(data, new int[] {D, H, W}, new double[] {1, 1, 1}));
    }
    Path out = dir.resolve("out");
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    DelineoCli cli = new DelineoCli(Commands.all(), new PrintStream(stdout, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String url = "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort();
    assertEquals(0, cli.run(new String[] {"predict", "--server", url, "--name", "vol", "--input", caseDir.toString(),
        "--modalities", "flair,t1", "--out", out.toString()}), err.toString(StandardCharsets.UTF_8));

    assertEquals(2, requests.size(), requests.toString());
    String predict = requests.get(1);
    assertTrue(predict.contains("\"signature_name\":\"serving_default\""), predict);
    assertTrue(predict.replace(" ", "").contains("\"modality_mask\":[true,false,true,false]")
        || predict.replace(" ", "").contains("\"modality_mask\":[[true,false,true,false]]"), predict);
    // t1ce and t2 go as zeros: channels 1 and 3 of the first voxel.
    assertTrue(predict.contains("[[[[5.0,0.0,2.0,0.0]"), predict);
    assertTrue(stdout.toString(StandardCharsets.UTF_8).contains("missing t1ce,t2"), stdout.toString(StandardCharsets.UTF_8));
    NiftiVolume labels = NiftiReader.read(out.resolve("c7_labels.nii.gz"));
    assertEquals(label(1, 2, 3), labels.data()[(1 * H + 2) * W + 3], 0f);
  }

  @Test
  void volumeLabelsComeBackAsNiftiWithTheInputAffine() throws IOException {
    float[] data = new float[D * H * W];
    for (int i = 0; i < data.length; i++) {
      data[i] = 10f * i;
    }
    double[][] affine = {{0, -1.5, 0, 10}, {1.5, 0, 0, -5}, {0, 0, 2, 3}, {0, 0, 0, 1}};
    Path input = dir.resolve("case1.nii.gz");
    NiftiWriter.write(input, new NiftiVolume(data, new int[] {W, H, D}, new double[] {1.5, 1.5, 2}, affine,
        (short) 16, 0f, 0f));
    Path out = dir.resolve("out");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    DelineoCli cli = new DelineoCli(Commands.all(), new PrintStream(new ByteArrayOutputStream(), true,
        StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    String url = "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort();
    assertEquals(0, cli.run(new String[] {"predict", "--server", url, "--name", "vol", "--label", "stable",
        "--input", input.toString(), "--out", out.toString()}), err.toString(StandardCharsets.UTF_8));

    assertEquals(2, requests.size(), requests.toString());
    assertEquals("GET /v1/models/vol/labels/stable/metadata ", requests.get(0));
    String predict = requests.get(1);
    assertTrue(predict.startsWith("POST /v1/models/vol/labels/stable:predict {\"signature_name\":\"serving_all_modalities\""),
        predict);
    assertTrue(predict.contains("[[[[0.0],[10.0],[20.0],[30.0]]"), "image [1, D, H, W, 1] row-major: " + predict);

    NiftiVolume labels = NiftiReader.read(out.resolve("case1_labels.nii.gz"));
    assertArrayEquals(new int[] {W, H, D}, labels.dims());
    for (int r = 0; r < 4; r++) {
      assertArrayEquals(affine[r], labels.affine()[r], 1e-6, "affine row " + r + " (tolerance 1e-6, float32 header)");
    }
    for (int d = 0; d < D; d++) {
      for (int h = 0; h < H; h++) {
        for (int w = 0; w < W; w++) {
          assertEquals(label(d, h, w), labels.data()[(d * H + h) * W + w], 0f, "voxel " + d + "," + h + "," + w);
        }
      }
    }
    // Overlay of the middle slice (d = 1): background pixels show the grey intensity rescaled to
    // 0..255 over the slice, labelled pixels are tinted (their channels differ). Tolerance 1 (rounding).
    DecodedImage overlay = ImageReader.read(out.resolve("case1_overlay.png"));
    assertEquals(H, overlay.height());
    assertEquals(W, overlay.width());
    assertEquals(3, overlay.channels());
    float min = data[H * W];
    float max = data[2 * H * W - 1];
    for (int h = 0; h < H; h++) {
      for (int w = 0; w < W; w++) {
        float grey = (data[(H + h) * W + w] - min) * 255f / (max - min);
        if (label(1, h, w) == 0) {
          for (int c = 0; c < 3; c++) {
            assertEquals(grey, overlay.get(h, w, c), 1.0, "grey background at " + h + "," + w);
          }
        } else {
          assertTrue(overlay.get(h, w, 0) != overlay.get(h, w, 1) || overlay.get(h, w, 1) != overlay.get(h, w, 2),
              "tinted class pixel at " + h + "," + w);
        }
      }
    }
  }
}
