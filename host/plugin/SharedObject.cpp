#include "plugin/SharedObject.h"

#include <dlfcn.h>

#include <stdexcept>

namespace mvi::host {

SharedObject::SharedObject(const std::string& path) : path_(path) {
    boost::dll::fs::error_code error;
    library_.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, error);
    if (error) {
        // Boost.DLL's non-throwing load leaves the loader's own message (dlerror) unread: it
        // names the missing symbol or library, the most precise reason there is.
        const char* reason = dlerror();
        throw std::runtime_error(reason ? reason : error.message());
    }
}

void SharedObject::close() {
    library_.unload();
}

bool SharedObject::isMapped(const std::string& path) {
    // The one raw dlopen: Boost.DLL has no RTLD_NOLOAD (look without loading), which is what
    // tells whether the dynamic loader really unmapped a closed library.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
    if (handle == nullptr) {
        return false;
    }
    dlclose(handle);
    return true;
}

}  // namespace mvi::host
