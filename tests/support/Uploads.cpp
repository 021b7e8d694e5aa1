#include "Uploads.h"

#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/MultipartWriter.h>
#include <Poco/Net/StringPartSource.h>
#include <Poco/Process.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

namespace mvi::test {
namespace fs = std::filesystem;

std::string readFile(const std::string& path) {
    std::ifstream input(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>()};
}

void writeFile(const std::string& path, const std::string& content) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream output(path, std::ios::binary | std::ios::trunc);
    output << content;
}

std::set<std::string> listing(const std::string& directory) {
    std::set<std::string> names;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(directory, error)) {
        names.insert(entry.path().filename().string());
    }
    return names;
}

std::string runTar(const std::string& directory, const std::vector<std::string>& arguments,
                   const std::string& archive) {
    Poco::ProcessHandle handle = Poco::Process::launch("tar", arguments, directory);
    int status = handle.wait();
    if (status != 0) {
        throw std::runtime_error("tar exited with " + std::to_string(status) + " in " + directory);
    }
    return readFile(archive);
}

Response postTar(unsigned port, const FormFields& fields, const std::optional<FilePart>& file,
                 const Headers& headers) {
    Poco::Net::HTMLForm form(Poco::Net::HTMLForm::ENCODING_MULTIPART);
    for (const auto& [name, value] : fields) {
        form.add(name, value);
    }
    if (file) {
        form.addPart(file->field, new Poco::Net::StringPartSource(
                                      file->content, "application/octet-stream", file->fileName));
    }
    std::string boundary = Poco::Net::MultipartWriter::createBoundary();
    std::ostringstream body;
    form.write(body, boundary);
    return request(port, "POST", "/services/~tar", body.str(),
                   "multipart/form-data; boundary=" + boundary, headers);
}

Response deployFile(unsigned port, const std::string& name, const std::string& version,
                    const std::string& content, const std::string& fileName,
                    const Headers& headers) {
    return postTar(port, {{"name", name}, {"version", version}}, FilePart{content, fileName},
                   headers);
}

}  // namespace mvi::test
