// mvi: the command-line tool to deploy and operate services on an mvi-host.
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "Cli.h"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    mvi::cli::Cli cli;
    return cli.run(args, std::cin, std::cout, std::cerr, isatty(STDIN_FILENO) != 0);
}
