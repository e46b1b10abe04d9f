package org.delineo.training.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.delineo.proto.ExperimentConfig;
import org.junit.jupiter.api.Test;

/** Checks the schema's own rule: every field states its default, explicitly and in a comment. */
class ConfigSchemaTest {
  private static final Path PROTO_DIR = Path.of("..", "proto", "src", "main", "proto", "delineo");
  private static final Pattern FIELD =
      Pattern.compile("^\\s*(optional|repeated)\\s+[\\w.]+\\s+\\w+\\s*=\\s*\\d+.*;\\s*$");
  private static final Pattern ONEOF = Pattern.compile("^\\s*oneof\\s+\\w+\\s*\\{\\s*$");

  @Test
  void everySingularScalarFieldDeclaresAnExplicitDefault() {
    List<String> missing = new ArrayList<>();
    for (Descriptor type : reachableMessages()) {
      for (FieldDescriptor field : type.getFields()) {
        boolean scalar = field.getJavaType() != FieldDescriptor.JavaType.MESSAGE;
        if (scalar && !field.isRepeated() && !field.hasDefaultValue()) {
          missing.add(field.getFullName());
        }
      }
    }
    assertEquals(List.of(), missing, "fields without [default = ...]");
  }

  @Test
  void everyFieldAndOneofHasACommentStatingItsDefault() throws IOException {
    List<String> missing = new ArrayList<>();
    int declarations = 0;
    try (Stream<Path> files = Files.list(PROTO_DIR)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".proto")).toList()) {
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
          String line = lines.get(i);
          if (FIELD.matcher(line).matches() || ONEOF.matcher(line).matches()) {
            declarations++;
            if (!precedingComment(lines, i).contains("Default:")) {
              missing.add(file.getFileName() + ":" + (i + 1) + ": " + line.trim());
            }
          }
        }
      }
    }
    // The schema has a few hundred declarations; a handful would mean the pattern stopped matching.
    assertTrue(declarations > 200, "only " + declarations + " declarations recognised");
    assertEquals(List.of(), missing, "declarations without a 'Default:' comment");
  }

  @Test
  void everyMessageOfTheSchemaIsReachableFromExperimentConfig() {
    Set<String> reachable = new HashSet<>();
    reachableMessages().forEach(d -> reachable.add(d.getFullName()));
    for (var file : ExperimentConfig.getDescriptor().getFile().getDependencies()) {
      for (Descriptor type : file.getMessageTypes()) {
        assertTrue(reachable.contains(type.getFullName()), type.getFullName() + " is unused");
      }
    }
  }

  private static String precedingComment(List<String> lines, int index) {
    StringBuilder comment = new StringBuilder();
    for (int i = index - 1; i >= 0 && lines.get(i).trim().startsWith("//"); i--) {
      comment.insert(0, lines.get(i).trim() + "\n");
    }
    return comment.toString();
  }

  private static List<Descriptor> reachableMessages() {
    List<Descriptor> result = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    Deque<Descriptor> queue = new ArrayDeque<>(List.of(ExperimentConfig.getDescriptor()));
    while (!queue.isEmpty()) {
      Descriptor type = queue.pop();
      if (seen.add(type.getFullName())) {
        result.add(type);
        type.getFields().stream()
            .filter(f -> f.getJavaType() == FieldDescriptor.JavaType.MESSAGE)
            .forEach(f -> queue.add(f.getMessageType()));
      }
    }
    return result;
  }
}
