// mvi: the command-line tool to deploy and operate services on an mvi-host.
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "Cli.h"

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    return mvi::cli::runMvi(args, std::cin, std::cout, std::cerr, isatty(STDIN_FILENO) != 0);
}
