package org.delineo.training;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Holds every package to the dependencies its {@code package-info.java} allows. Each package's
 * Javadoc carries a paragraph {@code <p>May depend on: {@code a.b}, {@code c}.} naming the other
 * Delineo packages (relative to {@code org.delineo}) its main classes may use; this test reads those
 * paragraphs from the sources of every module and checks the compiled classes against them with
 * ArchUnit, so the documentation and the rule cannot drift apart. It also checks that the declared
 * rules form no cycle and that each module's {@code pom.xml} declares exactly the Delineo modules
 * its main code imports.
 */
class PackageDependencyTest {
  private static final String ROOT = "org.delineo.";
  private static final List<String> MODULES = List.of("proto", "graph", "losses", "serving", "training");
  private static final Pattern RULE = Pattern.compile("<p>May depend on:(.*?)(?:<p>|\\*/)", Pattern.DOTALL);
  private static final Pattern CODE = Pattern.compile("\\{@code ([\\w.*]+)\\}");

  private static Path repository;
  private static Map<String, Set<String>> declared;
  private static JavaClasses mainClasses;

  @BeforeAll
  static void readRulesAndClasses() {
    repository = Path.of("").toAbsolutePath().getParent();
    declared = declaredRules(repository);
    mainClasses = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        // In a full build the graph module's test harness arrives as a test jar, which the
        // predefined option (test-classes folders) does not recognise.
        .withImportOption(location -> !location.contains("-tests.jar"))
        .importPackages("org.delineo");
  }

  @Test
  void everySourcePackageStatesItsAllowedDependencies() {
    Set<String> undocumented = new TreeSet<>();
    for (JavaClass c : mainClasses) {
      String pkg = relative(c.getPackageName());
      if (!pkg.startsWith("proto") && !declared.containsKey(pkg)) {
        undocumented.add(pkg);
      }
    }
    assertTrue(undocumented.isEmpty(),
        "packages without a '<p>May depend on:' paragraph in package-info.java: " + undocumented);
  }

  @Test
  void everyPackageDependsOnlyOnWhatItsPackageInfoAllows() {
    List<String> failures = new ArrayList<>();
    declared.forEach((pkg, allowed) -> {
      if (allowed.contains("*")) {
        return;
      }
      List<String> packages = new ArrayList<>();
      packages.add(ROOT + pkg);
      allowed.forEach(a -> packages.add(ROOT + a));
      var rule = classes().that().resideInAPackage(ROOT + pkg)
          .should().onlyDependOnClassesThat(resideOutsideOfPackage("org.delineo..")
              .or(resideInAnyPackage(packages.toArray(String[]::new))))
          .allowEmptyShould(true)
          .because("package-info.java of " + pkg + " allows only " + allowed);
      var result = rule.evaluate(mainClasses);
      if (result.hasViolation()) {
        failures.add(result.getFailureReport().toString());
      }
    });
    assertTrue(failures.isEmpty(), String.join("\n", failures));
  }

  @Test
  void declaredRulesFormNoCycle() {
    for (String start : declared.keySet()) {
      Set<String> seen = new TreeSet<>();
      List<String> stack = new ArrayList<>(declared.get(start));
      while (!stack.isEmpty()) {
        String next = stack.remove(stack.size() - 1);
        assertTrue(!next.equals(start), "package-info rules allow a cycle through " + start);
        if (seen.add(next) && declared.containsKey(next)) {
          stack.addAll(declared.get(next));
        }
      }
    }
  }

  @Test
  void eachModulePomDeclaresExactlyTheDelineoModulesItsCodeImports() throws IOException {
    Map<String, Set<String>> imported = new TreeMap<>();
    MODULES.forEach(m -> imported.put(m, new TreeSet<>()));
    for (JavaClass c : mainClasses) {
      String from = module(c.getPackageName());
      for (Dependency d : c.getDirectDependenciesFromSelf()) {
        String target = d.getTargetClass().getPackageName();
        if (target.startsWith(ROOT)) {
          String to = module(target);
          if (!to.equals(from)) {
            imported.get(from).add(to);
          }
        }
      }
    }
    for (String module : MODULES) {
      assertEquals(imported.get(module), pomDependencies(repository.resolve(module).resolve("pom.xml")),
          module + "/pom.xml: Delineo modules declared (compile scope) vs imported by main code");
    }
  }

  /** The module a Delineo package belongs to: the first segment after {@code org.delineo}. */
  private static String module(String javaPackage) {
    return relative(javaPackage).split("\\.")[0];
  }

  private static String relative(String javaPackage) {
    return javaPackage.startsWith(ROOT) ? javaPackage.substring(ROOT.length()) : javaPackage;
  }

  private static Map<String, Set<String>> declaredRules(Path repository) {
    Map<String, Set<String>> rules = new TreeMap<>();
    for (String module : MODULES) {
      Path sources = repository.resolve(module).resolve("src/main/java");
      if (!Files.isDirectory(sources)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(sources)) {
        for (Path info : files.filter(p -> p.endsWith("package-info.java")).toList()) {
          // Javadoc lines joined, so a {@code …} broken over two lines still reads as one.
          String text = Files.readString(info).replaceAll("\\s*\\n\\s*\\*(?!/)\\s*", " ");
          Matcher rule = RULE.matcher(text);
          if (!rule.find()) {
            continue;
          }
          Set<String> allowed = new TreeSet<>();
          Matcher code = CODE.matcher(rule.group(1));
          while (code.find()) {
            allowed.add(code.group(1));
          }
          String pkg = sources.relativize(info.getParent()).toString().replace('/', '.');
          rules.put(relative(pkg), allowed);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return rules;
  }

  private static Set<String> pomDependencies(Path pom) throws IOException {
    Set<String> modules = new TreeSet<>();
    Matcher dependency = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL)
        .matcher(Files.readString(pom));
    while (dependency.find()) {
      String block = dependency.group(1);
      Matcher artifact = Pattern.compile("<artifactId>delineo-(\\w+)</artifactId>").matcher(block);
      if (artifact.find() && !block.contains("<scope>test</scope>")) {
        modules.add(artifact.group(1));
      }
    }
    return modules;
  }
}
