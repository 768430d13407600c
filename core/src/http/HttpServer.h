// The listening server: POCO's TCPServer with our own ThreadPool (POCO's default pool is
// capped at 16 and silently starves keep-alive clients), our connection class that reports
// to the watchdog, and a graceful stop.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/ThreadPool.h>

#include "http/ConnectionWatchdog.h"
#include "http/RequestPipeline.h"

namespace hub::core {

struct HttpServerSettings {
    std::string host = "127.0.0.1";
    int port = 8000;
    int maxThreads = 128;
    int minThreads = 16;
    int maxQueued = 256;
    int keepAliveTimeoutSeconds = 5;
    int receiveTimeoutSeconds = 10;
};

class HttpServer {
public:
    HttpServer(const HttpServerSettings& settings, RequestPipeline& pipeline, ConnectionWatchdog& watchdog);
    ~HttpServer();

    /// Binds and starts accepting. Throws Poco::Net::NetException when the port is taken.
    void start();
    /// The bound port (useful with port 0).
    int port() const;
    /// Stops accepting, closes idle connections, lets busy ones finish for up to `grace`,
    /// then closes the rest and joins every thread.
    void stop(std::chrono::seconds grace);

private:
    HttpServerSettings settings_;
    RequestPipeline& pipeline_;
    ConnectionWatchdog& watchdog_;
    std::unique_ptr<Poco::ThreadPool> pool_;
    Poco::Net::ServerSocket socket_;
    std::unique_ptr<Poco::Net::TCPServer> server_;
    bool stopped_ = false;
};

}  // namespace hub::core
