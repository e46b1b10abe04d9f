package org.delineo.training.optim;

import java.util.ArrayList;
import java.util.List;
import org.delineo.proto.AdamConfig;
import org.delineo.proto.OptimizerConfig;
import org.delineo.proto.ParameterGroupConfig;
import org.delineo.proto.ScheduleConfig;
import org.delineo.training.config.ConfigException;

/** Builds the {@link Optimizer} and its {@link LearningRateSchedule} that an experiment config describes. */
public final class OptimizerFactory {
  private OptimizerFactory() {}

  /** The optimizer of {@code optimizer}, driven by the schedule of {@code schedule}. */
  public static Optimizer create(OptimizerConfig optimizer, ScheduleConfig schedule) {
    LearningRateSchedule lr = schedule(optimizer.getLr(), schedule);
    List<ParameterGroup> groups = groups(optimizer);
    Float clip = optimizer.getClipGradNorm() > 0 ? optimizer.getClipGradNorm() : null;
    float wd = optimizer.getWeightDecay();
    switch (optimizer.getKindCase()) {
      case ADAM:
        return adam(optimizer.getAdam(), lr, wd, false, groups, clip);
      case ADAMW:
        return adam(optimizer.getAdamw(), lr, wd, true, groups, clip);
      case SGD:
      case KIND_NOT_SET:
      default:
        return new Sgd(lr, optimizer.getSgd().getMomentum(), optimizer.getSgd().getNesterov(), wd, groups, clip);
    }
  }

  /**
   * The learning rate per step: the base rate decayed as {@code schedule} says, multiplied by the
   * linear warm-up factor, and held for {@code update_interval_steps}.
   */
  public static LearningRateSchedule schedule(float baseLr, ScheduleConfig schedule) {
    if (schedule.getTotalSteps() <= 0) {
      throw new ConfigException("field 'schedule.total_steps': expected a positive step count, found "
          + schedule.getTotalSteps());
    }
    LearningRateSchedule decay =
        schedule.getKindCase() == ScheduleConfig.KindCase.CONSTANT
            ? new ConstantSchedule(baseLr)
            : new PolySchedule(baseLr, schedule.getPoly().getPower(), schedule.getPoly().getMinLr(),
                schedule.getTotalSteps());
    LearningRateSchedule warm =
        schedule.getWarmupSteps() > 0
            ? new LinearWarmup(decay, schedule.getWarmupSteps(), schedule.getWarmupStartFactor())
            : decay;
    return new IntervalSchedule(warm, schedule.getUpdateIntervalSteps());
  }

  private static Adam adam(AdamConfig c, LearningRateSchedule lr, float wd, boolean decoupled,
      List<ParameterGroup> groups, Float clip) {
    return new Adam(lr, c.getBeta1(), c.getBeta2(), c.getEpsilon(), wd, c.getAmsgrad(), decoupled, groups, clip);
  }

  /**
   * The configured groups in order. An unset {@code decay_mult} keeps the default by variable kind
   * (norms and biases exempt) unless {@code decay_norm_and_bias} is set, in which case a final
   * catch-all group decays everything.
   */
  static List<ParameterGroup> groups(OptimizerConfig optimizer) {
    boolean decayAll = optimizer.getDecayNormAndBias();
    List<ParameterGroup> groups = new ArrayList<>();
    for (int i = 0; i < optimizer.getParameterGroupsCount(); i++) {
      ParameterGroupConfig g = optimizer.getParameterGroups(i);
      if (g.getNamePrefix().isEmpty()) {
        throw new ConfigException("field 'optimizer.parameter_groups[" + i
            + "].name_prefix': expected a variable-name prefix such as \"backbone.\", found \"\"");
      }
      Float decay = g.hasDecayMult() ? Float.valueOf(g.getDecayMult()) : (decayAll ? Float.valueOf(1f) : null);
      groups.add(new ParameterGroup(g.getNamePrefix(), g.getLrMult(), decay));
    }
    if (decayAll) {
      groups.add(new ParameterGroup(".*", 1f, 1f));
    }
    return groups;
  }
}
