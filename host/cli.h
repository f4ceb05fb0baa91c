/* The command line. */
#ifndef UH_CLI_H
#define UH_CLI_H

/* Runs the command in argv and returns the process's exit code. */
int cli_main(int argc, char **argv);

#endif
