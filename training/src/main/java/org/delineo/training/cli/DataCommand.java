package org.delineo.training.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.delineo.training.data.synth.SyntheticData;

/**
 * {@code delineo data synth --kind K --out DIR --cases N --seed S}: writes a deterministic
 * synthetic dataset as real files in the layout the readers expect.
 */
final class DataCommand implements Command {

  @Override
  public String name() {
    return "data";
  }

  @Override
  public String summary() {
    return "data synth --kind " + String.join("|", SyntheticData.KINDS)
        + " --out DIR --cases N --seed S: write a synthetic dataset";
  }

  @Override
  public Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("kind").hasArg().required()
        .desc("one of " + String.join(", ", SyntheticData.KINDS)).build());
    o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR").required().desc("output folder").build());
    o.addOption(Option.builder().longOpt("cases").hasArg().argName("N").desc("number of cases (default 20)").build());
    o.addOption(Option.builder().longOpt("seed").hasArg().argName("S").desc("seed (default 0)").build());
    return o;
  }

  @Override
  public int run(CommandLine line, PrintStream out) {
    if (line.getArgList().size() != 1 || !line.getArgList().get(0).equals("synth")) {
      throw new DelineoException("expected `delineo data synth ...`, found `delineo data "
          + String.join(" ", line.getArgList()) + "`");
    }
    int cases = integer(line, "cases", 20);
    long seed = integer(line, "seed", 0);
    Path dir = Path.of(line.getOptionValue("out"));
    SegmentationDataset ds = SyntheticData.write(line.getOptionValue("kind"), dir, cases, seed);
    out.printf("wrote %s: %d train / %d val / %d test, %d classes, %d channels, %s, in %s%n",
        ds.name(), ds.ids(Split.TRAIN).size(), ds.ids(Split.VAL).size(), ds.ids(Split.TEST).size(),
        ds.numClasses(), ds.channels(), ds.is3d() ? "3D" : "2D", dir);
    return 0;
  }

  private static int integer(CommandLine line, String option, int fallback) {
    String v = line.getOptionValue(option);
    if (v == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new DelineoException("--" + option + ": expected an integer, found '" + v + "'");
    }
  }
}
