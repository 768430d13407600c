// Markdown → HTML for snippets with cmark-gfm (GFM tables, strikethrough, autolinks).
#pragma once

#include <string>

namespace hub::plugins::snippets {

/**
 * Renders snippet markdown the way clients display it, safely:
 * - raw HTML in the markdown is shown as text (escaped), never passed through, and links or
 *   images with `javascript:`, `vbscript:`, `file:` or non-image `data:` URLs lose their URL
 *   (cmark-gfm's safe mode);
 * - single newlines become `<br />` (HubGPT rendered with Python-Markdown's `nl2br`);
 * - headings get Python-Markdown `toc` ids (`<h1 id="h1-title">`), unique per document;
 * - no trailing newline, like Python-Markdown;
 * - a document whose tables could need more than 0x80000 padded cells is rendered without the
 *   table extension (Debian's cmark-gfm has no such cap and would take minutes).
 * Thread-safe: renders are serialised (see the .cpp for why).
 */
class MarkdownRenderer {
public:
    MarkdownRenderer();

    std::string render(const std::string& markdown) const;
};

}  // namespace hub::plugins::snippets
