#pragma once

#ifndef BOOST_DLL_USE_STD_FS
#define BOOST_DLL_USE_STD_FS
#endif
#include <boost/dll/shared_library.hpp>

#include <string>

namespace mvi::host {

/// Owns one `dlopen`ed plugin library, opened with `RTLD_NOW | RTLD_LOCAL`.
///
/// Local binding keeps two builds of the same service (same symbols, same globals) apart as long
/// as they are opened from different paths. The library closes when this object is destroyed or
/// `close()` is called; `isMapped()` then tells whether the dynamic loader really let it go.
class SharedObject {
  public:
    /// Opens `path`. Throws std::runtime_error with the loader's message on failure.
    explicit SharedObject(const std::string& path);

    ~SharedObject();

    SharedObject(const SharedObject&) = delete;
    SharedObject& operator=(const SharedObject&) = delete;

    /// Returns the function `name` as a `Fn*`, or nullptr when the library does not export it.
    template <typename Fn>
    Fn* function(const char* name) const {
        if (!library_.has(name)) {
            return nullptr;
        }
        return &library_.get<Fn>(name);
    }

    /// Closes the library (no-op when already closed).
    void close();

    /// The path the library was opened from.
    const std::string& path() const { return path_; }

    /// True when a library opened from `path` is still mapped into this process.
    static bool isMapped(const std::string& path);

  private:
    std::string path_;
    boost::dll::shared_library library_;
};

}  // namespace mvi::host
