#include "http/PathTemplate.h"

#include <stdexcept>

namespace hub::core {
namespace {

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

PathTemplate::PathTemplate(const std::string& text) : text_(text) {
    if (text.empty() || text[0] != '/') {
        throw std::invalid_argument("route path must start with '/': " + text);
    }
    std::string body = text;
    while (body.size() > 1 && body.back() == '/') body.pop_back();
    std::size_t pos = 1;
    int literals = 0, params = 0, pathParams = 0;
    while (body.size() > 1 && pos <= body.size()) {
        std::size_t next = body.find('/', pos);
        std::string seg = body.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
        if (seg.empty()) throw std::invalid_argument("empty segment in route path: " + text);
        if (seg.front() == '{') {
            if (seg.back() != '}') throw std::invalid_argument("unclosed parameter in route path: " + text);
            std::string inner = seg.substr(1, seg.size() - 2);
            auto colon = inner.find(':');
            std::string name = inner.substr(0, colon);
            if (name.empty()) throw std::invalid_argument("empty parameter name in route path: " + text);
            if (colon != std::string::npos) {
                if (inner.substr(colon + 1) != "path") {
                    throw std::invalid_argument("unknown parameter type in route path: " + text);
                }
                segments_.push_back({Segment::PathParam, name});
                canonical_ += "/{:path}";
                ++pathParams;
            } else {
                segments_.push_back({Segment::Param, name});
                canonical_ += "/{}";
                ++params;
            }
        } else {
            if (seg.find_first_of("{}") != std::string::npos) {
                throw std::invalid_argument("braces inside a literal segment: " + text);
            }
            segments_.push_back({Segment::Literal, seg});
            canonical_ += '/';
            canonical_ += seg;
            ++literals;
        }
        if (next == std::string::npos) break;
        pos = next + 1;
    }
    if (canonical_.empty()) canonical_.push_back('/');  // (assigning "/" trips GCC 12's -Wrestrict false positive)
    specificity_ = literals * 10000 + params * 100 - pathParams;
}

bool PathTemplate::matchFrom(std::size_t si, const std::vector<std::string>& segs, std::size_t pi,
                             std::map<std::string, std::string>& params) const {
    if (si == segments_.size()) return pi == segs.size();
    if (pi >= segs.size()) return false;
    const Segment& s = segments_[si];
    switch (s.kind) {
        case Segment::Literal:
            return segs[pi] == s.value && matchFrom(si + 1, segs, pi + 1, params);
        case Segment::Param:
            if (segs[pi].empty()) return false;
            params[s.value] = segs[pi];
            return matchFrom(si + 1, segs, pi + 1, params);
        case Segment::PathParam: {
            // Take as many segments as possible while leaving enough for the rest.
            std::size_t remaining = segments_.size() - si - 1;
            if (segs.size() < pi + 1 + remaining) return false;
            for (std::size_t end = segs.size() - remaining; end > pi; --end) {
                std::string joined;
                bool ok = true;
                for (std::size_t k = pi; k < end; ++k) {
                    if (segs[k].empty()) { ok = false; break; }
                    if (k > pi) joined += "/";
                    joined += segs[k];
                }
                if (!ok) continue;
                params[s.value] = joined;
                if (matchFrom(si + 1, segs, end, params)) return true;
            }
            return false;
        }
    }
    return false;
}

bool PathTemplate::match(const std::vector<std::string>& segments,
                         std::map<std::string, std::string>& params) const {
    params.clear();
    bool ok = matchFrom(0, segments, 0, params);
    if (!ok) params.clear();
    return ok;
}

std::optional<std::vector<std::string>> PathTemplate::splitRequestPath(const std::string& raw) {
    if (raw.empty() || raw[0] != '/') return std::nullopt;
    std::string path = raw;
    if (path.size() > 1 && path.back() == '/') path.pop_back();
    std::vector<std::string> out;
    if (path == "/") return out;
    std::size_t pos = 1;
    while (true) {
        std::size_t next = path.find('/', pos);
        std::string seg = path.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
        std::string decoded;
        decoded.reserve(seg.size());
        for (std::size_t i = 0; i < seg.size(); ++i) {
            char c = seg[i];
            if (c == '%') {
                if (i + 2 >= seg.size()) return std::nullopt;
                int hi = hexValue(seg[i + 1]);
                int lo = hexValue(seg[i + 2]);
                if (hi < 0 || lo < 0) return std::nullopt;
                c = static_cast<char>(hi * 16 + lo);
                i += 2;
            }
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
            decoded += c;
        }
        out.push_back(decoded);
        if (next == std::string::npos) break;
        pos = next + 1;
    }
    return out;
}

}  // namespace hub::core
