#include "http/HttpServer.h"

#include <thread>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerConnection.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

namespace hub::core {
namespace {

class PipelineHandler : public Poco::Net::HTTPRequestHandler {
public:
    explicit PipelineHandler(RequestPipeline& p) : pipeline_(p) {}
    void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override {
        pipeline_.handle(req, resp);
    }

private:
    RequestPipeline& pipeline_;
};

/// Always returns a handler: the pipeline answers 404/405 itself (POCO would say 501).
class PipelineHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
public:
    explicit PipelineHandlerFactory(RequestPipeline& p) : pipeline_(p) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new PipelineHandler(pipeline_);
    }

private:
    RequestPipeline& pipeline_;
};

/// POCO's HTTP connection loop, registered with the watchdog for its whole life.
class WatchedConnection : public Poco::Net::HTTPServerConnection {
public:
    WatchedConnection(const Poco::Net::StreamSocket& s, Poco::Net::HTTPServerParams::Ptr params,
                      Poco::Net::HTTPRequestHandlerFactory::Ptr factory, ConnectionWatchdog& watchdog)
        : Poco::Net::HTTPServerConnection(s, params, factory), watchdog_(watchdog) {}

    void run() override {
        if (watchdog_.draining()) return;
        uint64_t id = watchdog_.add(socket());
        ConnectionWatchdog::setCurrentId(id);
        try {
            Poco::Net::HTTPServerConnection::run();
        } catch (...) {
        }
        ConnectionWatchdog::setCurrentId(0);
        watchdog_.remove(id);
    }

private:
    ConnectionWatchdog& watchdog_;
};

class WatchedConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
public:
    WatchedConnectionFactory(Poco::Net::HTTPServerParams::Ptr params,
                             Poco::Net::HTTPRequestHandlerFactory::Ptr factory, ConnectionWatchdog& w)
        : params_(params), factory_(factory), watchdog_(w) {}
    Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& s) override {
        return new WatchedConnection(s, params_, factory_, watchdog_);
    }

private:
    Poco::Net::HTTPServerParams::Ptr params_;
    Poco::Net::HTTPRequestHandlerFactory::Ptr factory_;
    ConnectionWatchdog& watchdog_;
};

}  // namespace

HttpServer::HttpServer(const HttpServerSettings& s, RequestPipeline& pipeline, ConnectionWatchdog& watchdog)
    : settings_(s), pipeline_(pipeline), watchdog_(watchdog) {}

HttpServer::~HttpServer() {
    if (server_ && !stopped_) stop(std::chrono::seconds(0));
}

void HttpServer::start() {
    Poco::Net::SocketAddress address(settings_.host, static_cast<Poco::UInt16>(settings_.port));
    // SO_REUSEADDR for quick restarts, but not SO_REUSEPORT (POCO's default with reuseAddress):
    // a second hubd on the same port must fail to start, not silently share the traffic.
    socket_ = Poco::Net::ServerSocket();
    socket_.bind(address, true, false);
    socket_.listen(256);
    pool_ = std::make_unique<Poco::ThreadPool>(settings_.minThreads, settings_.maxThreads + 2, 60);

    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(settings_.maxThreads);
    params->setMaxQueued(settings_.maxQueued);
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(0);
    params->setKeepAliveTimeout(Poco::Timespan(settings_.keepAliveTimeoutSeconds, 0));
    params->setTimeout(Poco::Timespan(settings_.receiveTimeoutSeconds, 0));
    params->setServerName("hubd");
    params->setSoftwareVersion("hubd");

    Poco::Net::HTTPRequestHandlerFactory::Ptr factory = new PipelineHandlerFactory(pipeline_);
    server_ = std::make_unique<Poco::Net::TCPServer>(
        new WatchedConnectionFactory(params, factory, watchdog_), *pool_, socket_, params);
    server_->start();
}

int HttpServer::port() const { return socket_.address().port(); }

void HttpServer::stop(std::chrono::seconds grace) {
    if (!server_ || stopped_) return;
    stopped_ = true;
    server_->stop();
    watchdog_.beginDrain();
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (watchdog_.count() > 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    watchdog_.closeAll();
    pool_->joinAll();
    server_.reset();
    socket_.close();
}

}  // namespace hub::core
