"""What people and the Makefile start: the launcher, the pages server, the shell, the
evaluation and benchmarks, the console's manage and users commands, the trainer's
command line and the sample data the benchmarks and tests seed."""
