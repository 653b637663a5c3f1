#include "daemon/cli.hpp"

namespace feedd::daemon {

int run_cli(int, char**) { return 0; }

}  // namespace feedd::daemon
