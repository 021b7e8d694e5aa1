// mvi-reload-bench: swaps a service's build again and again while wrk loads the host at full
// speed, and reports the load's figures and how long each swap took to be answered.

#include <Poco/Environment.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/Util/Application.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>

#include <algorithm>
#include <fstream>
#include <iostream>

#include "ReloadBench.h"
#include "ReloadBenchDefaults.h"

namespace {

using Poco::Util::Option;

/// Reads the options, checks them, runs the benchmark and prints its report.
class BenchApplication : public Poco::Util::Application {
  protected:
    void defineOptions(Poco::Util::OptionSet& options) override {
        Application::defineOptions(options);
        options.addOption(Option("help", "h", "Show this help and exit.")
                              .callback(Poco::Util::OptionCallback<BenchApplication>(
                                  this, &BenchApplication::showHelp)));
        addValueOption(options, "host-binary", "PATH", "The mvi-host executable.");
        addValueOption(options, "build-a", "PATH", "Build deployed first as counter_1.0.0.so.");
        addValueOption(options, "build-b", "PATH", "Build swapped in turn with build A.");
        addValueOption(options, "script", "PATH", "The wrk Lua script (post_version.lua).");
        addValueOption(options, "wrk", "PATH", "The wrk executable (default: wrk on PATH).");
        addValueOption(options, "json", "PATH", "Also write the report as JSON to PATH.");
        addValueOption(options, "duration", "SECONDS", "Seconds of load (default 10).");
        addValueOption(options, "connections", "N", "wrk connections (default 32).");
        addValueOption(options, "threads", "N", "wrk threads (default 2).");
        addValueOption(options, "swap-deadline", "SECONDS",
                       "Seconds to wait for a swap or for the host to start (default 30).");
        options.addOption(Option("define", "D", "Give the host --define KEY=VALUE.")
                              .repeatable(true)
                              .argument("KEY=VALUE")
                              .callback(Poco::Util::OptionCallback<BenchApplication>(
                                  this, &BenchApplication::define)));
    }

    int main(const std::vector<std::string>& arguments) override {
        if (helpRequested_) {
            return EXIT_OK;
        }
        if (!arguments.empty()) {
            std::cerr << "mvi-reload-bench: unexpected argument " << arguments.front()
                      << " (see --help)" << std::endl;
            return EXIT_USAGE;
        }
        mvi::bench::BenchSettings settings;
        try {
            settings = readSettings();
        } catch (const Poco::Exception& error) {
            std::cerr << "mvi-reload-bench: " << error.message() << std::endl;
            return EXIT_USAGE;
        }
        if (!findWrk(settings)) {
            return EXIT_UNAVAILABLE;
        }
        try {
            mvi::bench::ReloadBench bench(settings);
            mvi::bench::BenchReport report = bench.run(std::cerr);
            report.print(std::cout);
            std::string jsonFile = config().getString(keyOf("json"), "");
            if (!jsonFile.empty()) {
                std::ofstream json(jsonFile);
                json << report.toJson().dump(2) << "\n";
                if (!json.flush()) {
                    std::cerr << "mvi-reload-bench: cannot write " << jsonFile << std::endl;
                    return EXIT_CANTCREAT;
                }
            }
        } catch (const mvi::bench::BenchError& error) {
            std::cerr << "mvi-reload-bench: " << error.what() << std::endl;
            return EXIT_SOFTWARE;
        } catch (const Poco::Exception& error) {
            std::cerr << "mvi-reload-bench: " << error.displayText() << std::endl;
            return EXIT_SOFTWARE;
        }
        return EXIT_OK;
    }

  private:
    /// The configuration key an option's value is stored under: `bench.` and its name with
    /// underscores for dashes.
    static std::string keyOf(std::string option) {
        std::replace(option.begin(), option.end(), '-', '_');
        return "bench." + option;
    }

    /// Adds `--name ARGUMENT`, stored under `keyOf(name)`.
    static void addValueOption(Poco::Util::OptionSet& options, const std::string& name,
                               const std::string& argument, const std::string& description) {
        options.addOption(Option(name, "", description)
                              .repeatable(false)
                              .argument(argument)
                              .binding(keyOf(name)));
    }

    /// The settings from the options and the build tree's defaults; throws
    /// Poco::InvalidArgumentException naming what is missing or wrong.
    mvi::bench::BenchSettings readSettings() {
        mvi::bench::BenchSettings settings;
        settings.hostBinary = existingFile("host-binary", MVI_BENCH_DEFAULT_HOST_BINARY);
        settings.buildA = existingFile("build-a", MVI_BENCH_DEFAULT_BUILD_A);
        settings.buildB = existingFile("build-b", MVI_BENCH_DEFAULT_BUILD_B);
        settings.script = existingFile("script", MVI_BENCH_DEFAULT_SCRIPT);
        settings.wrk = config().getString(keyOf("wrk"), "");
        settings.durationSeconds = number("duration", settings.durationSeconds);
        settings.connections = number("connections", settings.connections);
        settings.threads = number("threads", settings.threads);
        settings.swapDeadlineSeconds = number("swap-deadline", settings.swapDeadlineSeconds);
        settings.hostDefines = hostDefines_;
        if (settings.connections < settings.threads) {
            throw Poco::InvalidArgumentException(
                "--connections must be at least --threads (each wrk thread needs one)");
        }
        return settings;
    }

    /// The path given as `--option`, or `fallback`, made absolute (the programs run in another
    /// directory); it must name an existing file.
    std::string existingFile(const std::string& option, const std::string& fallback) {
        std::string path = config().getString(keyOf(option), fallback);
        if (path.empty()) {
            throw Poco::InvalidArgumentException(
                "--" + option +
                " is required (this build has no default: configure with "
                "-DMVI_BUILD_TESTS=ON to build the counter fixtures)");
        }
        if (!Poco::File(path).exists()) {
            throw Poco::InvalidArgumentException("--" + option + ": " + path +
                                                 " does not exist (build it first)");
        }
        return Poco::Path(path).absolute().toString();
    }

    /// The positive whole number given as `--option`, or `fallback`.
    unsigned number(const std::string& option, unsigned fallback) {
        const std::string key = keyOf(option);
        unsigned value = fallback;
        try {
            value = config().getUInt(key, fallback);
        } catch (const Poco::SyntaxException&) {
            value = 0;
        }
        if (value == 0) {
            throw Poco::InvalidArgumentException(
                "--" + option + " must be a positive number, got " + config().getString(key));
        }
        return value;
    }

    /// Resolves `settings.wrk` (wrk on PATH unless given); prints why and returns false when
    /// there is none.
    static bool findWrk(mvi::bench::BenchSettings& settings) {
        if (!settings.wrk.empty()) {
            if (Poco::File(settings.wrk).exists()) {
                settings.wrk = Poco::Path(settings.wrk).absolute().toString();
                return true;
            }
            std::cerr << "mvi-reload-bench: --wrk: " << settings.wrk << " does not exist"
                      << std::endl;
            return false;
        }
        Poco::Path found;
        if (Poco::Path::find(Poco::Environment::get("PATH", ""), "wrk", found)) {
            settings.wrk = found.toString();
            return true;
        }
        std::cerr << "mvi-reload-bench: wrk was not found on PATH; install it (apt-get install "
                     "wrk) or pass --wrk PATH"
                  << std::endl;
        return false;
    }

    void showHelp(const std::string&, const std::string&) {
        Poco::Util::HelpFormatter help(options());
        help.setCommand(commandName());
        help.setUsage("[OPTIONS]");
        help.setHeader(
            "Loads POST /services/counter/version with wrk while swapping two builds of the "
            "counter service in and out of a fresh host's plugins folder, then reports "
            "requests, non-2xx responses, socket errors, swaps done and swap latency.");
        help.format(std::cout);
        std::cout << std::endl;
        helpRequested_ = true;
        stopOptionsProcessing();
    }

    void define(const std::string&, const std::string& value) { hostDefines_.push_back(value); }

    bool helpRequested_ = false;
    std::vector<std::string> hostDefines_;
};

}  // namespace

POCO_APP_MAIN(BenchApplication)
