package org.delineo.training.cli;

import java.util.List;

/**
 * What an emitted cluster job of an ablation grid runs: {@code size} tasks, one per grid entry,
 * each the same {@code delineo ablate ... --workdir DIR} command, which takes its entry from the
 * index the scheduler sets ({@code JOB_COMPLETION_INDEX} on Kubernetes, {@code SLURM_ARRAY_TASK_ID}
 * on Slurm).
 *
 * @param name the job's name (a DNS label, also valid for Slurm)
 * @param command the command every task runs, one word per element
 * @param size the grid's entries: the number of tasks
 * @param parallelism how many tasks may run at once
 * @param gpus GPUs per task (0: none requested)
 * @param workdir the grid directory, as the tasks see it
 * @param deterministic whether the config asks for deterministic ops (the tasks then need
 *     {@code TF_DETERMINISTIC_OPS=1} in their environment)
 * @param generatedBy the {@code delineo ablate --emit ...} command line that wrote the job, for its
 *     header comment
 */
record AblationJob(String name, List<String> command, int size, int parallelism, int gpus, String workdir,
    boolean deterministic, String generatedBy) {
  AblationJob {
    command = List.copyOf(command);
  }
}
