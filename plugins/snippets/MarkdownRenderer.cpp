#include "MarkdownRenderer.h"

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include "SnippetText.h"

namespace hub::plugins::snippets {
namespace {

// cmark-gfm keeps the table of inline "special characters" in process-global arrays and each
// parse adds its extensions' characters to it and removes them again when done. Two parses at
// once would remove `~` or `|` under each other's feet (and race on the arrays), so every use
// of the library in this plugin holds this lock. Typical snippets render in well under a
// millisecond; 1 MiB takes 30-500 ms, and the slowest input found (1 MiB of `a@`) about 3 s.
std::mutex& cmarkMutex() {
    static std::mutex m;
    return m;
}

// CMARK_OPT_SAFE is the default in cmark-gfm >= 0.29 (raw HTML omitted, dangerous URLs
// dropped; raw HTML never reaches the renderer anyway, see htmlToText); CMARK_OPT_UNSAFE is
// deliberately not set. VALIDATE_UTF8 replaces bad bytes with
// U+FFFD should any reach here (request bodies are already strict UTF-8).
constexpr int kOptions = CMARK_OPT_DEFAULT | CMARK_OPT_SAFE | CMARK_OPT_HARDBREAKS | CMARK_OPT_VALIDATE_UTF8;

constexpr const char* kExtensions[] = {"table", "strikethrough", "autolink"};

// cmark-gfm pads every short table row to the header's column count. Debian's 0.29.0.gfm.6
// has no cap on that: 16 KiB of one wide delimiter row over one-cell lines makes 33 million
// cells and took over 20 s (64 KiB: over 5 minutes), all under the lock. Later upstream
// versions stop a table after 0x80000 padded cells; documents that could exceed that are
// rendered without the table extension instead.
constexpr std::size_t kMaxPaddedCells = 0x80000;

/// Line content after blockquote markers and indentation (tables can sit inside both).
std::string_view contentOf(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '>')) ++i;
    line.remove_prefix(i);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
        line.remove_suffix(1);
    return line;
}

std::size_t unescapedPipes(std::string_view s) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\') {
            ++i;
        } else if (s[i] == '|') {
            ++n;
        }
    }
    return n;
}

bool isDelimiterRow(std::string_view s) {
    return s.find('-') != std::string_view::npos && s.find('|') != std::string_view::npos &&
           s.find_first_not_of("|-: \t") == std::string_view::npos;
}

/// True when some table could need more padded cells than kMaxPaddedCells. Over-estimates:
/// every delimiter-like row starts a table running to the next blank line, as wide as its
/// pipes allow, and a row's own cells are counted as few as its pipes allow.
bool tablesTooLarge(const std::string& md) {
    std::vector<std::string_view> lines;
    std::string_view all(md);
    for (std::size_t pos = 0; pos <= all.size();) {
        std::size_t nl = all.find('\n', pos);
        lines.push_back(
            contentOf(all.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos)));
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (!isDelimiterRow(lines[i])) continue;
        std::size_t columns = unescapedPipes(lines[i]) + 1;
        std::size_t padded = 0;
        std::size_t j = i + 1;
        for (; j < lines.size() && !lines[j].empty(); ++j) {
            std::size_t pipes = unescapedPipes(lines[j]);
            std::size_t cells = pipes > 2 ? pipes - 1 : 1;
            if (columns > cells) padded += columns - cells;
            if (padded > kMaxPaddedCells) return true;
        }
        i = j - 1;
    }
    return false;
}

struct ParserDeleter {
    void operator()(cmark_parser* p) const { cmark_parser_free(p); }
};
struct NodeDeleter {
    void operator()(cmark_node* n) const { cmark_node_free(n); }
};
struct IterDeleter {
    void operator()(cmark_iter* i) const { cmark_iter_free(i); }
};

cmark_node* textNode(const std::string& literal) {
    cmark_node* t = cmark_node_new(CMARK_NODE_TEXT);
    cmark_node_set_literal(t, literal.c_str());
    return t;
}

/// Replaces a raw HTML node by text with the same characters, so the renderer escapes it and
/// the reader sees what was written (cmark's safe mode would print `<!-- raw HTML omitted -->`).
void htmlToText(cmark_node* node) {
    const char* lit = cmark_node_get_literal(node);
    std::string literal = lit != nullptr ? lit : "";
    if (cmark_node_get_type(node) == CMARK_NODE_HTML_INLINE) {
        cmark_node_replace(node, textNode(literal));
        cmark_node_free(node);
        return;
    }
    while (!literal.empty() && (literal.back() == '\n' || literal.back() == '\r')) literal.pop_back();
    cmark_node* para = cmark_node_new(CMARK_NODE_PARAGRAPH);
    std::size_t pos = 0;
    while (true) {
        std::size_t nl = literal.find('\n', pos);
        cmark_node_append_child(
            para, textNode(literal.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos)));
        if (nl == std::string::npos) break;
        cmark_node_append_child(para, cmark_node_new(CMARK_NODE_LINEBREAK));
        pos = nl + 1;
    }
    cmark_node_replace(node, para);
    cmark_node_free(node);
}

/// The plain text of a heading (what Python-Markdown's toc slugifies).
std::string plainText(cmark_node* heading) {
    std::string out;
    std::unique_ptr<cmark_iter, IterDeleter> it(cmark_iter_new(heading));
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it.get())) != CMARK_EVENT_DONE) {
        if (ev != CMARK_EVENT_ENTER) continue;
        cmark_node* n = cmark_iter_get_node(it.get());
        switch (cmark_node_get_type(n)) {
            case CMARK_NODE_TEXT:
            case CMARK_NODE_CODE:
            case CMARK_NODE_HTML_INLINE: {
                const char* lit = cmark_node_get_literal(n);
                if (lit != nullptr) out += lit;
                break;
            }
            case CMARK_NODE_SOFTBREAK:
            case CMARK_NODE_LINEBREAK:
                out += ' ';
                break;
            default:
                break;
        }
    }
    return out;
}

/// Python-Markdown's `unique()`: `x`, `x_1`, `x_2`...; an empty slug becomes `_1`. `used` maps
/// each id taken so far to the next suffix worth trying for it, so a document of thousands of
/// identical headings stays linear (probing from _1 every time was quadratic, under the render lock).
std::string uniqueId(std::string id, std::map<std::string, int>& used) {
    if (!id.empty() && used.count(id) == 0) {
        used[id] = 1;
        return id;
    }
    int& next = used[id];
    if (next == 0) next = 1;
    std::string candidate;
    do {
        candidate = id + "_" + std::to_string(next++);
    } while (used.count(candidate) != 0);
    used[candidate] = 1;
    return candidate;
}

/// Adds `id="..."` to the n-th `<hN>` of `html` for each heading, in document order. In the
/// rendered output an unescaped `<h1>`..`<h6>` can only come from a heading node (text, code
/// and raw HTML are escaped); when the counts disagree anyway, the ids are left out.
std::string addHeadingIds(const std::string& html, const std::vector<std::string>& ids) {
    std::vector<std::size_t> at;
    for (std::size_t p = html.find("<h"); p != std::string::npos; p = html.find("<h", p + 2)) {
        if (p + 3 < html.size() && html[p + 2] >= '1' && html[p + 2] <= '6' && html[p + 3] == '>')
            at.push_back(p);
    }
    if (at.size() != ids.size()) return html;
    std::string out;
    out.reserve(html.size() + ids.size() * 24);
    std::size_t from = 0;
    for (std::size_t k = 0; k < at.size(); ++k) {
        out.append(html, from, at[k] + 3 - from);
        out += " id=\"" + htmlEscape(ids[k]) + "\"";
        from = at[k] + 3;
    }
    out.append(html, from, std::string::npos);
    return out;
}

}  // namespace

MarkdownRenderer::MarkdownRenderer() {
    std::lock_guard<std::mutex> lock(cmarkMutex());
    cmark_gfm_core_extensions_ensure_registered();
    for (const char* name : kExtensions) {
        if (cmark_find_syntax_extension(name) == nullptr) {
            throw std::runtime_error(std::string("cmark-gfm has no '") + name + "' extension");
        }
    }
}

std::string MarkdownRenderer::render(const std::string& markdown) const {
    const bool withTables = !tablesTooLarge(markdown);  // no cmark state: outside the lock
    std::lock_guard<std::mutex> lock(cmarkMutex());
    std::unique_ptr<cmark_parser, ParserDeleter> parser(cmark_parser_new(kOptions));
    if (!parser) throw std::bad_alloc();
    for (const char* name : kExtensions) {
        if (!withTables && std::string_view(name) == "table") continue;
        cmark_parser_attach_syntax_extension(parser.get(), cmark_find_syntax_extension(name));
    }
    cmark_parser_feed(parser.get(), markdown.data(), markdown.size());
    std::unique_ptr<cmark_node, NodeDeleter> doc(cmark_parser_finish(parser.get()));
    if (!doc) throw std::bad_alloc();

    // Collect first, change after: the iterator must not see nodes being replaced.
    std::vector<cmark_node*> rawHtml;
    std::vector<cmark_node*> headings;
    {
        std::unique_ptr<cmark_iter, IterDeleter> it(cmark_iter_new(doc.get()));
        cmark_event_type ev;
        while ((ev = cmark_iter_next(it.get())) != CMARK_EVENT_DONE) {
            if (ev != CMARK_EVENT_ENTER) continue;
            cmark_node* n = cmark_iter_get_node(it.get());
            cmark_node_type type = cmark_node_get_type(n);
            if (type == CMARK_NODE_HTML_BLOCK || type == CMARK_NODE_HTML_INLINE) rawHtml.push_back(n);
            if (type == CMARK_NODE_HEADING) headings.push_back(n);
        }
    }
    for (cmark_node* n : rawHtml) htmlToText(n);
    std::vector<std::string> ids;
    std::map<std::string, int> used;
    for (cmark_node* h : headings) ids.push_back(uniqueId(slugify(plainText(h)), used));

    char* out = cmark_render_html(doc.get(), kOptions, cmark_parser_get_syntax_extensions(parser.get()));
    if (out == nullptr) throw std::bad_alloc();
    std::string html(out);
    cmark_get_default_mem_allocator()->free(out);
    while (!html.empty() && html.back() == '\n') html.pop_back();
    return addHeadingIds(html, ids);
}

}  // namespace hub::plugins::snippets
