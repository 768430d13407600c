#include "SnippetExport.h"

#include "SnippetText.h"
#include "hub/sdk/services/IClock.h"

namespace hub::plugins::snippets {
namespace {

std::string joined(const std::vector<std::string>& items, const std::string& sep) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
    return out;
}

/// "source_type / source_name · tags: a, b · created ... · updated ..." for either format.
std::string details(const Snippet& s, const std::function<std::string(const std::string&)>& esc) {
    std::string out = esc(s.sourceType) + " / " + esc(s.sourceName);
    if (!s.tags.empty()) {
        std::vector<std::string> tags;
        for (const auto& t : s.tags) tags.push_back(esc(t));
        out += " · tags: " + joined(tags, ", ");
    }
    out += " · created " + sdk::IClock::formatIso(s.createdAt);
    if (s.updatedAt != s.createdAt) out += " · updated " + sdk::IClock::formatIso(s.updatedAt);
    return out;
}

/// Backslash-escapes markdown punctuation so names and tags in the details line stay literal.
std::string mdEscape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (std::string("\\`*_{}[]()<>#+-.!|~").find(c) != std::string::npos) out += '\\';
        out += c;
    }
    return out;
}

}  // namespace

std::string exportHeading(const Snippet& s) {
    if (s.title && !s.title->empty()) return *s.title;
    return s.sourceType + ": " + s.sourceName;
}

std::string exportMarkdown(const std::vector<Snippet>& snippets) {
    std::string out = "# Snippets\n";
    for (std::size_t i = 0; i < snippets.size(); ++i) {
        const Snippet& s = snippets[i];
        if (i > 0) out += "\n---\n";
        // The heading is a single line (titles are one line; source names may not be).
        std::string heading = exportHeading(s);
        for (char& c : heading) {
            if (c == '\n' || c == '\r') c = ' ';
        }
        out += "\n## " + heading + "\n\n";
        out += "*" + details(s, mdEscape) + "*\n\n";
        out += s.content;
        if (!s.content.empty() && s.content.back() != '\n') out += '\n';
    }
    return out;
}

std::string exportHtml(const std::vector<Snippet>& snippets,
                       const std::function<std::string(const Snippet&)>& html) {
    std::string out =
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Snippets</title>\n"
        "<style>\nbody{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;"
        "line-height:1.5}\narticle{border-top:1px solid #ccc;padding-top:1rem;margin-top:2rem}\n"
        ".meta{color:#666;font-size:.9em}\npre{background:#f4f4f4;padding:.75rem;overflow-x:auto}\n"
        "table{border-collapse:collapse}\nth,td{border:1px solid #ccc;padding:.25rem .5rem}\n</style>\n"
        "</head>\n<body>\n<h1>Snippets</h1>\n";
    for (const Snippet& s : snippets) {
        out += "<article id=\"snippet-" + htmlEscape(s.id) + "\">\n";
        out += "<h2>" + htmlEscape(exportHeading(s)) + "</h2>\n";
        out += "<p class=\"meta\">" + details(s, htmlEscape) + "</p>\n";
        out += "<div class=\"content\">\n" + html(s) + "\n</div>\n</article>\n";
    }
    out += "</body>\n</html>\n";
    return out;
}

}  // namespace hub::plugins::snippets
