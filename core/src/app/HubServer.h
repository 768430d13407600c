// The hubd executable: POCO ServerApplication, command-line flags and subcommands.
#pragma once

#include <string>
#include <vector>

#include <Poco/Util/ServerApplication.h>

#include "app/Runtime.h"

namespace hub::core {

class HubServer : public Poco::Util::ServerApplication {
public:
    HubServer();

protected:
    void defineOptions(Poco::Util::OptionSet& options) override;
    void handleOption(const std::string& name, const std::string& value) override;
    int main(const std::vector<std::string>& args) override;

private:
    int serve();
    int checkConfig();
    int migrate();
    int userCommand(const std::vector<std::string>& args);
    /// `hubd activity prune`: deletes entries older than activity.retention_days once.
    int activityCommand(const std::vector<std::string>& args);
    /// hubd gc | fsck | keys rotate: storage maintenance.
    int storageCommand(const std::vector<std::string>& args);
    /// A subcommand registered by a plugin (`hubd import advisors ...`).
    int pluginCommand(const std::vector<std::string>& args);
    void setupLogging(const std::string& level, bool accessLog, const std::string& accessFile);
    void printUsage();
    /// Loads and validates the config; prints every error and returns false when invalid.
    bool load(Runtime& rt);

    CommandLine cl_;
    bool help_ = false;
    bool checkConfig_ = false;
    std::string email_;
    std::string role_ = "user";
    std::string user_;
    std::string format_;
    std::string newKeyFile_;
    bool roleGiven_ = false;
};

}  // namespace hub::core
