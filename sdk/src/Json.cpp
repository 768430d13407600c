#include "hub/sdk/Json.h"

#include <set>
#include <sstream>
#include <vector>

#include <Poco/Exception.h>
#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include "hub/sdk/Error.h"

namespace hub {
namespace sdk {
inline namespace v1 {
namespace json {
namespace {

/// POCO keeps the last of duplicate keys silently; a pre-check and the final parse could then
/// disagree (`{"alg":"HS256","alg":"none"}`), so duplicates are refused while parsing.
/// POCO's ParseHandler also throws on a top-level scalar ("Attempt to set value on an empty
/// stack"), which is valid JSON (RFC 8259): it is kept here instead.
class StrictHandler : public Poco::JSON::ParseHandler {
public:
    StrictHandler() : Poco::JSON::ParseHandler(true) {}

    void startObject() override {
        keys_.emplace_back();
        ++open_;
        Poco::JSON::ParseHandler::startObject();
    }
    void endObject() override {
        keys_.pop_back();
        --open_;
        Poco::JSON::ParseHandler::endObject();
    }
    void startArray() override {
        ++open_;
        Poco::JSON::ParseHandler::startArray();
    }
    void endArray() override {
        --open_;
        Poco::JSON::ParseHandler::endArray();
    }
    void value(int v) override { scalar(v); }
    void value(unsigned v) override { scalar(v); }
    void value(Poco::Int64 v) override { scalar(v); }
    void value(Poco::UInt64 v) override { scalar(v); }
    void value(const std::string& v) override { scalar(v); }
    void value(double v) override { scalar(v); }
    void value(bool v) override { scalar(v); }
    void null() override {
        if (open_ == 0) {
            topLevel_ = Poco::Dynamic::Var();
            scalarAtTop_ = true;
            return;
        }
        Poco::JSON::ParseHandler::null();
    }
    Poco::Dynamic::Var asVar() const override {
        return scalarAtTop_ ? topLevel_ : Poco::JSON::ParseHandler::asVar();
    }
    void key(const std::string& k) override {
        if (!keys_.empty() && !keys_.back().insert(k).second) {
            duplicate_ = k;
            throw Poco::JSON::JSONException("duplicate key");
        }
        Poco::JSON::ParseHandler::key(k);
    }
    const std::string& duplicate() const { return duplicate_; }

private:
    template <class T>
    void scalar(const T& v) {
        if (open_ == 0) {
            topLevel_ = v;
            scalarAtTop_ = true;
            return;
        }
        Poco::JSON::ParseHandler::value(v);
    }

    std::vector<std::set<std::string>> keys_;
    std::string duplicate_;
    int open_ = 0;  ///< containers currently open
    bool scalarAtTop_ = false;
    Poco::Dynamic::Var topLevel_;
};

[[noreturn]] void failJson(const std::string& reason) {
    auto item = object();
    item->set("type", "json_invalid");
    auto loc = array();
    loc->add("body");
    loc->add(0);
    item->set("loc", loc);
    item->set("msg", "JSON decode error");
    item->set("input", object());
    auto ctx = object();
    ctx->set("error", reason);
    item->set("ctx", ctx);
    auto list = array();
    list->add(item);
    ValidationError e("Invalid JSON body: " + reason, "json_invalid");
    e.withDetail(list);
    throw e;
}

}  // namespace

Poco::Dynamic::Var parseStrict(const std::string& text, std::size_t maxDepth) {
    if (text.find('\0') != std::string::npos) {
        failJson("NUL byte in body");
    }
    Poco::SharedPtr<StrictHandler> handler(new StrictHandler());
    Poco::JSON::Parser parser(handler);
    parser.setAllowNullByte(false);
    parser.setAllowComments(false);
    parser.setDepth(maxDepth);
    try {
        parser.parse(text);
    } catch (const Poco::Exception& e) {
        if (!handler->duplicate().empty()) {
            failJson("duplicate key '" + handler->duplicate() + "'");
        }
        std::string msg = e.message().empty() ? e.displayText() : e.message();
        failJson(msg);
    } catch (const std::exception& e) {
        failJson(e.what());
    }
    return handler->asVar();
}

Poco::JSON::Object::Ptr parseStrictObject(const std::string& text, std::size_t maxDepth) {
    Poco::Dynamic::Var v = parseStrict(text, maxDepth);
    if (v.type() != typeid(Poco::JSON::Object::Ptr)) {
        auto item = object();
        item->set("type", "model_attributes_type");
        auto loc = array();
        loc->add("body");
        item->set("loc", loc);
        item->set("msg", "Input should be a valid dictionary or object to extract fields from");
        item->set("input", v);
        auto list = array();
        list->add(item);
        ValidationError e("Request body must be a JSON object", "body_not_object");
        e.withDetail(list);
        throw e;
    }
    return v.extract<Poco::JSON::Object::Ptr>();
}

Poco::JSON::Object::Ptr object() {
    return new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
}

Poco::JSON::Array::Ptr array() { return new Poco::JSON::Array(); }

std::string stringify(const Poco::Dynamic::Var& value) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(value, out, 0, -1,
                                       Poco::JSON_WRAP_STRINGS | Poco::JSON_PRESERVE_KEY_ORDER);
    return out.str();
}

std::string quote(const std::string& s) {
    std::ostringstream out;
    Poco::JSON::Stringifier::formatString(s, out, Poco::JSON_WRAP_STRINGS);
    return out.str();
}

}  // namespace json
}  // namespace v1
}  // namespace sdk
}  // namespace hub
