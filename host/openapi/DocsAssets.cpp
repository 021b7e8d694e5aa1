#include "openapi/DocsAssets.h"

#ifndef MVI_DOCS_RELATIVE_DIR
#define MVI_DOCS_RELATIVE_DIR "../share/mvi/docs"
#endif

namespace mvi::host {

std::string DocsAssets::defaultDirectory() {
    return besideExecutable(MVI_DOCS_RELATIVE_DIR);
}

}  // namespace mvi::host
