// hubd entry point.
#include <iostream>
#include <malloc.h>

#include <Poco/Exception.h>

#include "app/HubServer.h"

int main(int argc, char** argv) {
    // Chunk buffers are a few MiB each. glibc's adaptive mmap threshold would move them onto
    // the heap after the first free and keep that memory after every large transfer; a fixed
    // threshold returns each buffer to the system when it is freed.
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    try {
        hub::core::HubServer app;
        return app.run(argc, argv);
    } catch (const Poco::Exception& e) {
        std::cerr << e.displayText() << std::endl;
        return Poco::Util::Application::EXIT_SOFTWARE;
    }
}
