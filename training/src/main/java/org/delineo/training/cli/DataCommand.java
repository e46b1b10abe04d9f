package org.delineo.training.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.delineo.graph.DelineoException;
import org.delineo.training.data.BratsLayout;
import org.delineo.training.data.SegmentationDataset;
import org.delineo.training.data.Split;
import org.delineo.training.data.brats.ModalitySplitCsv;
import org.delineo.training.data.brats.ModalitySplitGenerator;
import org.delineo.training.data.synth.SyntheticData;

/**
 * {@code delineo data synth --kind K --out DIR --cases N --seed S}: writes a deterministic
 * synthetic dataset as real files in the layout the readers expect.
 *
 * <p>{@code delineo data mask-split --root DIR [--split train] --rates flair=0.6,t1ce=0.4,t1=0.2,
 * t2=0.8 --out FILE [--seed S]}: writes a PASSION-format split CSV giving every case of a BraTS
 * split a fixed set of available modalities with those missing rates (for the UTD modes).
 */
final class DataCommand implements Command {
  private static final String SYNTH = "synth";
  private static final String MASK_SPLIT = "mask-split";

  @Override
  public String name() {
    return "data";
  }

  @Override
  public String summary() {
    return "data synth --kind " + String.join("|", SyntheticData.KINDS)
        + " --out DIR --cases N --seed S: write a synthetic dataset; data mask-split --root DIR"
        + " [--split train] --rates flair=R,t1ce=R,t1=R,t2=R --out FILE [--seed S]: write a"
        + " missing-modality split CSV";
  }

  @Override
  public Options options() {
    Options o = new Options();
    o.addOption(Option.builder().longOpt("kind").hasArg()
        .desc("synth: one of " + String.join(", ", SyntheticData.KINDS)).build());
    o.addOption(Option.builder().longOpt("out").hasArg().argName("PATH").required()
        .desc("synth: output folder; mask-split: output CSV file").build());
    o.addOption(Option.builder().longOpt("cases").hasArg().argName("N")
        .desc("synth: number of cases (default 20)").build());
    o.addOption(Option.builder().longOpt("size").hasArg().argName("DIMS")
        .desc("synth: case size, H,W for scenes2d (default 64,64), D,H,W for brats3d (default"
            + " 48,48,48), slices,H,W for medical2d").build());
    o.addOption(Option.builder().longOpt("seed").hasArg().argName("S").desc("seed (default 0)").build());
    o.addOption(Option.builder().longOpt("root").hasArg().argName("DIR")
        .desc("mask-split: BraTS dataset folder").build());
    o.addOption(Option.builder().longOpt("split").hasArg().argName("SPLIT")
        .desc("mask-split: train, val or test (default train)").build());
    o.addOption(Option.builder().longOpt("rates").hasArg().argName("RATES")
        .desc("mask-split: missing rate per modality, e.g. flair=0.6,t1ce=0.4,t1=0.2,t2=0.8").build());
    return o;
  }

  @Override
  public int run(CommandLine line, PrintStream out) {
    List<String> args = line.getArgList();
    if (args.size() == 1 && args.get(0).equals(SYNTH)) {
      return synth(line, out);
    }
    if (args.size() == 1 && args.get(0).equals(MASK_SPLIT)) {
      return maskSplit(line, out);
    }
    throw new DelineoException("expected `delineo data synth ...` or `delineo data mask-split ...`,"
        + " found `delineo data " + String.join(" ", args) + "`");
  }

  private int synth(CommandLine line, PrintStream out) {
    int cases = integer(line, "cases", 20);
    long seed = integer(line, "seed", 0);
    Path dir = Path.of(line.getOptionValue("out"));
    SegmentationDataset ds = SyntheticData.write(
        SyntheticData.generator(required(line, "kind", SYNTH), sizes(line)), dir, cases, seed);
    out.printf("wrote %s: %d train / %d val / %d test, %d classes, %d channels, %s, in %s%n",
        ds.name(), ds.ids(Split.TRAIN).size(), ds.ids(Split.VAL).size(), ds.ids(Split.TEST).size(),
        ds.numClasses(), ds.channels(), ds.is3d() ? "3D" : "2D", dir);
    return 0;
  }

  private int maskSplit(CommandLine line, PrintStream out) {
    Path root = Path.of(required(line, "root", MASK_SPLIT));
    double[] rates = ModalitySplitGenerator.parseRates(required(line, "rates", MASK_SPLIT));
    Split split = split(line.getOptionValue("split", "train"));
    long seed = integer(line, "seed", 0);
    Path file = Path.of(line.getOptionValue("out"));
    BratsLayout layout = new BratsLayout(root);
    List<String> cases = layout.ids(split);
    if (cases.isEmpty()) {
      throw new DelineoException(layout.name() + ": split " + split + " has no cases");
    }
    ModalitySplitCsv csv = ModalitySplitGenerator.generate(file.toString(), cases, rates, seed);
    csv.write(file);
    double[] realised = csv.missingRates();
    StringBuilder s = new StringBuilder();
    for (int m = 0; m < realised.length; m++) {
      s.append(m == 0 ? "" : ", ").append(BratsLayout.MODALITIES.get(m)).append(' ')
          .append(String.format(Locale.ROOT, "%.3f", realised[m]));
    }
    out.printf("wrote %s: %d %s cases of %s; realised missing rates %s%n", file, cases.size(),
        split.name().toLowerCase(Locale.ROOT), root, s);
    return 0;
  }

  private static Split split(String name) {
    try {
      return Split.valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new DelineoException("--split: expected train, val or test, found '" + name + "'");
    }
  }

  private static String required(CommandLine line, String option, String sub) {
    String v = line.getOptionValue(option);
    if (v == null) {
      throw new DelineoException("`delineo data " + sub + "` needs --" + option);
    }
    return v;
  }

  private static int[] sizes(CommandLine line) {
    String v = line.getOptionValue("size");
    if (v == null) {
      return new int[0];
    }
    String[] parts = v.split(",");
    int[] size = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        size[i] = Integer.parseInt(parts[i].trim());
      } catch (NumberFormatException e) {
        throw new DelineoException("--size: expected comma-separated integers, found '" + v + "'");
      }
    }
    return size;
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
