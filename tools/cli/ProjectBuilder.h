#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace mvi::cli {

/// Builds a service project folder with CMake and finds the plugin it produced.
///
/// Configures with `cmake -S DIR -B DIR/build -DCMAKE_BUILD_TYPE=Release`, builds with
/// `cmake --build DIR/build -j2`, and shows CMake's output (with its progress) as it comes. The
/// plugin is the one `.so` file under `DIR/build` outside `CMakeFiles` folders. An installed
/// `mvi` lets CMake find its own MVI package (`find_package(mvi)`, as `mvi init` projects use)
/// through `mvi_ROOT`, whether or not it is on the PATH.
class ProjectBuilder {
  public:
    /// A builder of the project in `projectDir` that writes the build output to `out`.
    ProjectBuilder(std::string projectDir, std::ostream& out);

    /// Configures and builds the project and returns the path of its plugin. Throws CliError
    /// when CMake is missing, a step fails, or the build did not produce exactly one `.so`.
    std::string build() const;

  private:
    /// Runs CMake with `arguments`, showing its output; throws CliError when it fails.
    void runCmake(const std::string& cmake, const std::vector<std::string>& arguments,
                  const std::string& step) const;

    /// The one `.so` file under the build folder.
    std::string findPlugin() const;

    std::string projectDir_;
    std::string buildDir_;
    std::ostream& out_;
};

}  // namespace mvi::cli
