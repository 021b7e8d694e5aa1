#include "plugin/SharedObject.h"

#include <dlfcn.h>

#include <stdexcept>

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

namespace mvi::host {

namespace {

// The dynamic loader orders every dlclose before a later dlopen under a lock of its own, which
// the thread sanitizer does not see. A library opened at the addresses that a closed one used
// would read to it as racing with the closed library's last accesses: tell it what the loader
// orders.
#if defined(__SANITIZE_THREAD__)
char loaderOrder;
void afterLoaderLock() {
    __tsan_acquire(&loaderOrder);
}
void beforeLoaderUnlock() {
    __tsan_release(&loaderOrder);
}
#else
void afterLoaderLock() {}
void beforeLoaderUnlock() {}
#endif

}  // namespace

SharedObject::SharedObject(const std::string& path) : path_(path) {
    afterLoaderLock();
    boost::dll::fs::error_code error;
    library_.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, error);
    if (error) {
        // Boost.DLL's non-throwing load leaves the loader's own message (dlerror) unread: it
        // names the missing symbol or library, the most precise reason there is.
        const char* reason = dlerror();
        throw std::runtime_error(reason ? reason : error.message());
    }
    afterLoaderLock();
}

SharedObject::~SharedObject() {
    close();
}

void SharedObject::close() {
    if (library_.is_loaded()) {
        beforeLoaderUnlock();
    }
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
