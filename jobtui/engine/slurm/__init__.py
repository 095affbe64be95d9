"""The ``slurm`` Location: jobs on a Slurm cluster, through the user's own client commands."""

from jobtui.engine.slurm.backend import SLURM, SLURM_JOB, SlurmBackend, readopt, slurm_location

__all__ = ["SLURM", "SLURM_JOB", "SlurmBackend", "readopt", "slurm_location"]
