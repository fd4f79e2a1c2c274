/* placeholder: being written */
#include "config.h"
#include "commands.h"
int np_cmd_record(int argc, char **argv) { (void)argc; (void)argv; return 1; }
