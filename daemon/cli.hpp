// The command line of feedd (see README): parses arguments and dispatches to
// run / poll / parse / query / feeds. Returns the process exit code.
#pragma once

namespace feedd::daemon {

int run_cli(int argc, char** argv);

}  // namespace feedd::daemon
