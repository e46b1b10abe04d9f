package org.delineo.training.distribute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code deploy/workers-job.yaml}, read with a real YAML parser: the headless Service and the
 * Indexed Job agree on names, worker count and port, and the TF_CONFIG each pod builds from its
 * index is one that {@link WorkerCluster#fromTfConfig} accepts, naming every pod by the DNS name
 * the Service gives it.
 */
class WorkersManifestTest {
  private static final Pattern TF_CONFIG = Pattern.compile("export TF_CONFIG=\"(.*)\"");

  @Test
  void serviceJobAndTfConfigAgree() throws IOException {
    Path file = Path.of("").toAbsolutePath().getParent().resolve("deploy/workers-job.yaml");
    List<Map<String, Object>> docs = new ArrayList<>();
    for (Object doc : new Yaml().loadAll(Files.readString(file))) {
      docs.add(map(doc));
    }
    assertEquals(2, docs.size());
    Map<String, Object> service = docs.get(0);
    Map<String, Object> job = docs.get(1);
    assertEquals(List.of("v1", "Service"), List.of(service.get("apiVersion"), service.get("kind")));
    assertEquals(List.of("batch/v1", "Job"), List.of(job.get("apiVersion"), job.get("kind")));
    String serviceName = (String) map(service.get("metadata")).get("name");
    String jobName = (String) map(job.get("metadata")).get("name");
    Map<String, Object> serviceSpec = map(service.get("spec"));
    assertEquals("None", serviceSpec.get("clusterIP"));
    assertEquals(Map.of("job-name", jobName), serviceSpec.get("selector"));
    int port = (Integer) map(((List<?>) serviceSpec.get("ports")).get(0)).get("port");

    Map<String, Object> spec = map(job.get("spec"));
    assertEquals("Indexed", spec.get("completionMode"));
    int workers = (Integer) spec.get("completions");
    assertEquals(workers, spec.get("parallelism"));
    Map<String, Object> pod = map(map(spec.get("template")).get("spec"));
    assertEquals(serviceName, pod.get("subdomain"));
    Map<String, Object> container = map(((List<?>) pod.get("containers")).get(0));
    assertEquals(port, map(((List<?>) container.get("ports")).get(0)).get("containerPort"));

    Matcher m = TF_CONFIG.matcher(String.join("\n", castStrings(container.get("args"))));
    assertTrue(m.find(), "the container exports TF_CONFIG");
    for (int index = 0; index < workers; index++) {
      // As the shell expands it in pod `index`.
      String tfConfig = m.group(1).replace("\\\"", "\"").replace("${JOB_COMPLETION_INDEX}", "" + index);
      WorkerCluster cluster = WorkerCluster.fromTfConfig(tfConfig);
      assertEquals(index, cluster.taskIndex());
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < workers; i++) {
        expected.add(jobName + "-" + i + "." + serviceName + ":" + port);
      }
      assertEquals(expected, cluster.workers());
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return (Map<String, Object>) value;
  }

  private static List<String> castStrings(Object value) {
    return ((List<?>) value).stream().map(String.class::cast).toList();
  }
}
