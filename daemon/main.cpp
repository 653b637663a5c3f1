// feedd's entry point: only parses the command line and starts things (daemon/cli.hpp).
#include "daemon/cli.hpp"

int main(int argc, char** argv) {
    return feedd::daemon::run_cli(argc, argv);
}
